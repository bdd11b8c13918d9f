"""For each event class, the modules that read it: the checklist of CONTRIBUTING.md step 4, kept honest.

A module reads an event when its source names the class (``Registration.LevelAwarded``: projections' handler
tables, ``isinstance`` tests, topic filters) or its stored name as a string (``"Registration.LevelAwarded"``, as the
standalone verifier does, or ``"LevelAwarded"`` where a reader dispatches on the class name). The table below is
what the code does today; a new event, a new reader or a reader dropped changes it, and this test says which, so the
change is made on purpose. Every event must have at least one reader or be named in ``RECORD_ONLY`` with why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ledger.domain.aggregates as aggregates
from ledger.domain.aggregates.base import LedgerAggregate

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((ROOT / "ledger").rglob("*.py")), *sorted((ROOT / "verifier").rglob("*.py"))]


EXPECTED: dict[str, list[str]] = {
    "Application.Started": [
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
    ],
    "Application.EvidenceAdded": ["ledger.read.projections.casework", "ledger.read.timeline", "ledger.read.views"],
    "Application.EvidenceChanged": ["ledger.read.timeline", "ledger.read.views"],
    "Application.EvidenceRemoved": ["ledger.read.projections.casework", "ledger.read.timeline", "ledger.read.views"],
    "Application.FileAttached": ["ledger.read.evidence_files"],
    "Application.FileRemoved": ["ledger.read.evidence_files"],
    "Application.Submitted": [
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
    ],
    "Application.Withdrawn": [
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
    ],
    "Application.AssessorAssigned": [
        "ledger.app.assessors",
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.timeline",
    ],
    "Application.AssessorReleased": [
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.timeline",
    ],
    "Application.AssessorInvited": [
        "ledger.app.assessors",
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.timeline",
    ],
    "Application.AssignmentAccepted": ["ledger.read.assignments", "ledger.read.timeline"],
    "Application.AssignmentDeclined": [
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.timeline",
    ],
    "Application.RefereeResponded": ["ledger.read.projections.casework", "ledger.read.timeline"],
    "Application.ProfessionalDiscussionHeld": ["ledger.read.projections.casework", "ledger.read.timeline"],
    "Application.Assessed": [
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.timeline",
        "ledger.read.views",
        "ledger.reports.assessor_consistency",
    ],
    "Application.InformationRequested": [
        "ledger.read.projections.casework",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "Application.Decided": [
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "Application.Appealed": [
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "Application.AppealDecided": [
        "ledger.read.assignments",
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "Assessor.Appointed": [
        "ledger.app.assessors",
        "ledger.read.projections.casework",
        "ledger.read.projections.statistics",
    ],
    "Assessor.StoodDown": ["ledger.read.projections.casework", "ledger.read.projections.statistics"],
    "Credential.Issued": ["ledger.app.registrations", "ledger.processes.worker", "ledger.read.projections.credentials"],
    "Day.Closed": ["ledger.read.projections.calendar"],
    "Mail.Queued": ["ledger.read.projections.outbox"],
    "Organisation.Registered": ["ledger.app.organisations"],
    "Organisation.Linked": ["ledger.reports.progression.population"],
    "Organisation.Unlinked": ["ledger.reports.progression.population"],
    "OrganisationLink.Linked": ["ledger.processes.watch"],
    "OrganisationLink.Unlinked": ["ledger.processes.watch"],
    "Mail.Sending": ["ledger.read.projections.outbox"],
    "Mail.Sent": ["ledger.read.projections.outbox"],
    "Mail.Failed": ["ledger.read.projections.outbox"],
    "PpdAudit.Requested": [
        "ledger.read.projections.audits",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
    ],
    "PpdAudit.ProfileSubmitted": ["ledger.read.projections.audits", "ledger.read.timeline", "ledger.read.views"],
    "PpdAudit.AssessorAssigned": ["ledger.read.projections.audits", "ledger.read.timeline"],
    "PpdAudit.Judged": ["ledger.read.projections.audits", "ledger.read.timeline", "ledger.read.views"],
    "PpdAudit.Decided": [
        "ledger.read.projections.audits",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "PpdAudit.Appealed": ["ledger.read.projections.audits", "ledger.read.timeline", "ledger.read.views"],
    "PpdAudit.AppealDecided": [
        "ledger.read.projections.audits",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "PpdAudit.Ended": ["ledger.read.projections.audits", "ledger.read.projections.statistics", "ledger.read.timeline"],
    "Registrant.Enrolled": [
        "ledger.read.projections.register",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registrant.DetailsChanged": ["ledger.read.projections.register", "ledger.read.timeline", "verifier.register"],
    "Registrant.NameChangeRequested": ["ledger.read.projections.register", "ledger.read.timeline"],
    "Registrant.NameChangeDecided": ["ledger.read.projections.register", "ledger.read.timeline"],
    "Registrant.BackgroundAnswered": ["ledger.read.projections.statistics"],
    "Registrant.Erased": [
        "ledger.ops.backup.erasures",
        "ledger.read.projections.register",
        "ledger.read.projections.runner",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.Opened": [
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.LevelAwarded": [
        "ledger.domain.aggregates.credential",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.PpdRecorded": [
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "ledger.read.views",
    ],
    "Registration.RenewalSubmitted": ["ledger.read.projections.renewals", "ledger.read.timeline"],
    "Registration.Renewed": [
        "ledger.domain.aggregates.credential",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.CredentialReissued": ["ledger.domain.aggregates.credential", "ledger.read.timeline"],
    "Registration.Lapsed": [
        "ledger.processes.watch",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.Suspended": [
        "ledger.processes.watch",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "ledger.read.views",
        "verifier.register",
    ],
    "Registration.SuspensionLifted": [
        "ledger.domain.aggregates.credential",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.Removed": [
        "ledger.processes.watch",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "ledger.read.views",
        "verifier.register",
    ],
    "Registration.Resigned": [
        "ledger.processes.watch",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.Reinstated": [
        "ledger.domain.aggregates.credential",
        "ledger.read.projections.credentials",
        "ledger.read.projections.register",
        "ledger.read.projections.renewals",
        "ledger.read.projections.statistics",
        "ledger.read.public_record",
        "ledger.read.timeline",
        "verifier.register",
    ],
    "Registration.ReminderSent": ["ledger.read.timeline"],
    "Registration.MarkedOverdue": ["ledger.read.timeline"],
    "Registration.SelectedForAudit": ["ledger.read.timeline"],
    "Registration.CareerBreakTaken": ["ledger.read.timeline"],
    "RequestedCredential.Issued": ["ledger.read.projections.credentials"],
    "RequestedCredential.Revoked": ["ledger.read.projections.credentials"],
}

RECORD_ONLY: dict[str, str] = {  # events no module reads outside their aggregate, and why that is enough
    "CommandReceipt.Recorded": "an idempotency receipt: read back by its key when the same request comes again",
    "IssuerKey.Generated": "the keyring reads issuer keys as aggregates (their state), not their events",
    "IssuerKey.Activated": "the keyring reads issuer keys as aggregates (their state), not their events",
    "IssuerKey.Retired": "the keyring reads issuer keys as aggregates (their state), not their events",
    "IssuerKey.Compromised": "the keyring reads issuer keys as aggregates (their state), not their events",
    "Registrant.ApplicationStarted": "the registrant's own state: which application is theirs (one open at a time)",
    "RegistrationNumberClaim.Claimed": "claims a number once, by the claim's id (a number cannot be issued twice)",
    "StatusIndexClaim.Claimed": "claims a status-list index once, by the claim's id",
    "Organisation.WebhookSet": "the webhook is read from the organisation's state by the sender and /org/webhook",
    "Organisation.WebhookRemoved": "the webhook is read from the organisation's state by the sender and /org/webhook",
    "Organisation.Renamed": "the organisation's state (its name), read as an aggregate by ledger.app.organisations",
    "Organisation.Closed": "the organisation's state (open or closed), read as an aggregate",
    "OrganisationLink.Started": "a registrant's links, read as an aggregate by its id (derived from the registrant)",
}


def event_classes() -> dict[str, type]:
    """``Aggregate.Event`` -> class, for every event an aggregate declares. The library's own ``Event`` and
    ``Created`` bases, which every aggregate inherits and none of ours is stored as, are left out."""
    found: dict[str, type] = {}
    for name in aggregates.__all__:
        aggregate = getattr(aggregates, name)
        if not (isinstance(aggregate, type) and issubclass(aggregate, LedgerAggregate)):
            continue
        for attr, value in vars(aggregate).items():
            if (
                isinstance(value, type)
                and issubclass(value, LedgerAggregate.Event)
                and attr not in ("Event", "Created")
            ):
                found[f"{name}.{attr}"] = value
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def code_of(path: Path) -> str:
    """The module's code without comments and docstrings (which mention events without reading them)."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                body[0] = ast.Pass()
    return ast.unparse(tree)


def readers() -> dict[str, list[str]]:
    texts = {module_name(p): code_of(p) for p in SOURCES}
    table: dict[str, list[str]] = {}
    for qualified, cls in event_classes().items():
        aggregate, name = qualified.split(".")
        own = cls.__module__
        named = re.compile(rf"\b{aggregate}\.{name}\b")
        by_class_name = re.compile(rf"[\"']{name}[\"']")  # where a reader dispatches on ``type(event).__name__``
        table[qualified] = sorted(
            module
            for module, text in texts.items()
            if module != own
            and (named.search(text) or ("__name__" in text and "event" in text and by_class_name.search(text)))
        )
    return table


def test_the_table_covers_every_event() -> None:
    assert set(EXPECTED) | set(RECORD_ONLY) == set(event_classes())
    assert not set(EXPECTED) & set(RECORD_ONLY)


def test_each_event_is_read_by_the_modules_the_table_names() -> None:
    """When this fails, a reader was added or dropped: check the change against CONTRIBUTING.md step 4 (did the
    verifier's register, the issuer's triggers and the statistics follow?), then update EXPECTED."""
    found = readers()
    changed = {
        event: {"now": found.get(event, []), "table": EXPECTED.get(event, [])}
        for event in set(found) | set(EXPECTED)
        if found.get(event, []) != EXPECTED.get(event, [])
    }
    assert changed == {}


def test_the_scan_sees_a_reader_it_is_shown() -> None:
    """The scan is not blind: a module naming an event class, in code, is found; one naming it in a comment or a
    docstring is not."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        reader = Path(folder) / "reader.py"
        reader.write_text(
            '"""Registration.Resigned in a docstring"""\n# Registration.Renewed\nX = Registration.Lapsed\n'
        )
        code = code_of(reader)
    assert "Registration.Lapsed" in code and "Resigned" not in code and "Renewed" not in code
