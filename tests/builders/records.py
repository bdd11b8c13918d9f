"""Records made through the Ledger's own commands: small steps that tests compose into journeys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

QUALIFICATION = {
    3: {"title": "Extended Diploma in Creative Media Production", "awarding_body": "Pearson", "level": 3},
    5: {"title": "Foundation Degree in Production Arts", "awarding_body": "A University", "level": 5},
    6: {"title": "BA (Hons) Technical Arts", "awarding_body": "A University", "level": 6},
}
LEVEL_QUALIFICATION = {"RCT": 3, "RCP": 5, "ACP": 6}
EXPERIENCE = {
    "years": 9,
    "portfolio": "https://portfolio.example.org/jo",
    "referee_name": "Pat Referee",
    "referee_email": "pat@example.org",
}


def enrol(ledger: Any, name: str = "Jo Bloggs", **kwargs: Any) -> UUID:
    kwargs.setdefault("email", f"{name.split()[0].lower()}@example.org")
    kwargs.setdefault("disciplines", [ledger.framework.disciplines[0].code])
    return ledger.enrol(name=name, **kwargs)


def assessors(ledger: Any, count: int = 2) -> list[UUID]:
    return [ledger.appoint_assessor(f"Assessor {i + 1}") for i in range(count)]


def start(ledger: Any, registrant: UUID, level: str = "RCT", route: str = "standard") -> UUID:
    if route == "standard":
        return ledger.start_application(
            registrant, level, route, qualification=QUALIFICATION[LEVEL_QUALIFICATION[level]]
        )
    return ledger.start_application(registrant, level, route, experience=EXPERIENCE)


def submitted(ledger: Any, registrant: UUID, level: str = "RCT", route: str = "standard") -> UUID:
    application = start(ledger, registrant, level, route)
    for area in ledger.framework.required_areas(level):
        ledger.add_evidence(application, area.code, f"Evidence for {area.code}")
    ledger.submit_application(application)
    return application


def judgements(ledger: Any, level: str, value: str = "met") -> dict[str, str]:
    return {area.code: value for area in ledger.framework.required_areas(level)}


def assessed(
    ledger: Any, application: UUID, pair: list[UUID], recommendation: str = "award", value: str = "met"
) -> None:
    app = ledger.application(application)
    for assessor in pair:
        ledger.assign_assessor(application, assessor, "No conflict of interest.")
    if app.route == "equivalency":
        ledger.confirm_referee(application, True)
        ledger.record_discussion(application, ledger.clock.today(), "Talked through the portfolio.")
    for assessor in pair:
        ledger.record_assessment(
            application, assessor, judgements(ledger, app.level, value), recommendation, "Feedback."
        )


def awarded(
    ledger: Any,
    name: str = "Jo Bloggs",
    level: str = "RCT",
    route: str = "standard",
    pair: list[UUID] | None = None,
    **kwargs: Any,
) -> tuple[UUID, str]:
    registrant = enrol(ledger, name, **kwargs)
    application = submitted(ledger, registrant, level, route)
    assessed(ledger, application, pair or assessors(ledger))
    number = ledger.decide(application, "award", "", "registrar")
    return registrant, number


def log_ppd(ledger: Any, registrant: UUID, categories: list[str], days_ago: int = 10) -> None:
    on = ledger.clock.today() - timedelta(days=days_ago)
    for category in categories:
        ledger.record_ppd(registrant, on, category, 6, ["A"], "Learned a thing.", "Changed a practice.")


def read_qr(image: Any) -> list[str]:
    """What zxing-cpp reads from an image, QR codes only (other symbologies can see a false barcode in a QR's
    modules)."""
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


POISON = "Dina\u0007Young"  # a control character: the credential builder refuses it


def poison_registrant(ledger: Any) -> UUID:
    """A registrant recorded before names were checked at the door (history replays under today's code): the
    command refuses such a name now, so the record is written as an older version would have."""
    from ledger.domain.aggregates import Registrant

    registrant_id = ledger._new_id()
    ledger.vault.create_key(registrant_id)
    registrant = Registrant(
        id=registrant_id,
        name=ledger.vault.seal(registrant_id, POISON),
        email=ledger.vault.seal(registrant_id, "dina@example.org"),
        disciplines=[ledger.framework.disciplines[0].code],
        background=ledger.vault.seal_json(registrant_id, None),
        listing="listed",
        occurred_at=ledger._now(),
    )
    ledger._commit(registrant)
    return registrant_id


def award(ledger: Any, registrant: UUID) -> str:
    application = submitted(ledger, registrant)
    assessed(ledger, application, assessors(ledger))
    return ledger.decide(application, "award", "", "registrar")
