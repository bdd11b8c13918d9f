"""The printable certificate (``/r/NUMBER/certificate.pdf`` and ``regledger credential export --format pdf``): an A4
page that names the body, the person, the level, the number and the dates, and carries the verifiable QR badge,
read back by zxing-cpp from the page rendered to an image by a real PDF renderer (pdfium); only while the
registration is current."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

import pypdfium2
import pytest
from PIL import Image

from ledger.reports.certificate import CertificateFacts, certificate_pdf, day
from tests.builders.browser import ARTIFACTS
from tests.builders.command_line import run
from tests.builders.records import awarded, read_qr

NAME = "Zoë Ní Bhriain"
DPI = 200
FACTS = dict(
    body_name="Register of Creative Technicians",
    body_address=("21 Granary Row", "Manchester", "M4 6BU"),
    body_email="enquiries@example.org",
    body_website="https://register.example.org",
    body_logo="",
    name=NAME,
    number="RG-0012345-67",
    level_name="Registered Creative Technician",
    post_nominal="RCT",
    registered_since=date(2025, 3, 12),
    valid_until=date(2026, 12, 2),
    areas=("Communication and collaboration",),
    framework="Creative Technician Competency Framework (version 2026.1)",
    badge_url="https://register.example.org/v#a.b.c",
    verifier_url="https://register.example.org/v",
    register_url="https://register.example.org/r/RG-0012345-67",
    printed_on=date(2026, 6, 1),
)
"""A certificate's facts for the tests that draw one without a register."""


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    """A register served by the app (through its lifespan: the in-process followers issue the credentials before any
    request), with a current registrant, a suspended, a removed and an erased one: (client, ledger, numbers)."""
    from fastapi.testclient import TestClient

    from ledger.api.main import create_app
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    folder = tmp_path_factory.mktemp("certificate")
    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{folder / 'r.db'}",
            master_key=MASTER_KEY,
            issuer_url="https://register.example.org",
        ),
        rng=random.Random(18),
    )
    numbers = {}
    for who, name, level in (
        ("current", NAME, "RCP"),
        ("suspended", "Sus Pended", "RCT"),
        ("removed", "Rem Oved", "RCT"),
        ("erased", "Era Sed", "RCT"),
    ):
        registrant, numbers[who] = awarded(ledger, name, level)
        if who == "suspended":
            ledger.suspend(registrant, "Did not answer the audit.", "registrar")
        elif who == "removed":
            ledger.remove(registrant, "Misconduct found at a hearing.", "registrar")
        elif who == "erased":
            ledger.erase(registrant, "registrar")
    with TestClient(create_app(ledger, worker="followers")) as client:
        yield client, ledger, numbers
    ledger.close()


def pages(pdf: bytes) -> list[tuple[tuple[float, float], str, Image.Image]]:
    """Each page of a PDF as pdfium sees it: its size in points, its text and its image at DPI dots per inch."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for page in document:
            text = page.get_textpage()
            found.append((page.get_size(), text.get_text_range(), page.render(scale=DPI / 72).to_pil().convert("RGB")))
            text.close()
            page.close()
        return found
    finally:
        document.close()


def logo_columns(image: Image.Image) -> tuple[int, int]:
    """The first and last column of the logo's colour (the site's accent) between the frame's sides, above the
    body's name (the logo sits 22 to 42 mm from the top)."""
    mm = DPI / 25.4
    box = (round(20 * mm), round(20 * mm), round(190 * mm), round(43 * mm))
    accent = image.crop(box).point(lambda v: 255 if v < 160 else 0).convert("L")
    left, _, right, _ = accent.getbbox() or (0, 0, 0, 0)
    return box[0] + left, box[0] + right


def test_the_certificate_is_one_a4_page_saying_who_what_and_until_when(register):
    client, ledger, numbers = register
    number = numbers["current"]
    answer = client.get(f"/r/{number}/certificate.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'attachment; filename="{number}-certificate.pdf"'
    [(size, text, image)] = pages(answer.content)
    assert (round(size[0]), round(size[1])) == (595, 842)  # A4 in points
    words = " ".join(text.split())
    entry = client.get(f"/api/register/{number}").json()
    level = ledger.framework.level("RCP")
    for expected in (
        ledger.settings.body.name,
        "Certificate of Registration",
        NAME,
        number,
        level.name,
        f"post-nominal letters {level.post_nominal}",
        day(date.fromisoformat(entry["registered_since"])),
        day(date.fromisoformat(entry["valid_until"])),
        *(area.title for area in ledger.framework.required_areas("RCP")),
        "https://register.example.org/v",
    ):
        assert expected in words, (expected, words)
    assert abs(sum(logo_columns(image)) / 2 - image.width / 2) < image.width / 100  # the logo, centred
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / "certificate-a4.png")


def test_the_certificates_qr_is_the_badge_and_verifies(register):
    from ledger.processes.publication import Publisher
    from ledger.read.sharing import current_credential
    from verifier import load_trust, verify

    client, ledger, numbers = register
    number = numbers["current"]
    [(_, _, image)] = pages(client.get(f"/r/{number}/certificate.pdf").content)
    badge = current_credential(ledger, number).badge_url
    assert read_qr(image) == [badge]
    assert read_qr(Image.open(io.BytesIO(client.get(f"/r/{number}/badge.png").content))) == [badge]
    publisher = Publisher(ledger)
    trust = load_trust(publisher.trust_bundle(), root=publisher.root_jwk())
    result = verify(badge, trust)
    assert result.valid, [(c.name, c.reason) for c in result.checks]
    assert result.subject is not None and (result.subject.name, result.subject.registration_number) == (NAME, number)


def test_no_certificate_unless_currently_registered(register):
    client, _, numbers = register
    for who in ("suspended", "removed"):
        answer = client.get(f"/r/{numbers[who]}/certificate.pdf", headers={"Accept": "application/json"})
        assert answer.status_code == 409, answer.text
        assert f"{numbers[who]} is not currently registered" in answer.json()["detail"]
        assert "no certificate is issued" in answer.json()["detail"]
    unknown = client.get("/r/RG-0099999-25/certificate.pdf", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and "RG-0099999-25" in unknown.json()["detail"]
    erased = client.get(f"/r/{numbers['erased']}/certificate.pdf", headers={"Accept": "application/json"})
    assert erased.status_code == 404 and numbers["erased"] in erased.json()["detail"]
    malformed = client.get("/r/RG-1234567-00/certificate.pdf", headers={"Accept": "application/json"})
    assert malformed.status_code == 404 and "check digits" in malformed.json()["detail"]


def test_the_command_line_writes_the_same_certificate(register, tmp_path, monkeypatch):
    client, ledger, numbers = register
    number = numbers["current"]
    database = ledger.settings.database_url
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGLEDGER_ISSUER_URL", ledger.settings.issuer_url)  # the register the app serves
    made = run(["credential", "export", number, "--format", "pdf"], database)
    assert made.exit_code == 0, made.output
    written = tmp_path / f"{number}-certificate.pdf"
    [(size, text, image)] = pages(written.read_bytes())
    assert (round(size[0]), round(size[1])) == (595, 842) and NAME in text and number in text
    assert read_qr(image) == read_qr(pages(client.get(f"/r/{number}/certificate.pdf").content)[0][2])
    chosen = run(["credential", "export", number, "--format", "pdf", "--out", "mine.pdf"], database)
    assert chosen.exit_code == 0 and (tmp_path / "mine.pdf").read_bytes().startswith(b"%PDF-")
    refused = run(["credential", "export", numbers["suspended"], "--format", "pdf"], database)
    assert refused.exit_code == 1 and "is not currently registered" in " ".join(refused.output.split())
    assert not (tmp_path / f"{numbers['suspended']}-certificate.pdf").exists()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Łukasz Żółć", "Łukasz Żółć"),
        ("Αλέξανδρος Παπαδόπουλος", "Αλέξανδρος Παπαδόπουλος"),
        ("Алексей Иванов", "Алексей Иванов"),
        ("王秀英 Wang", "\ufffd\ufffd\ufffd Wang"),  # no typeface here draws CJK: a clear replacement, and a note
        ("Maximilian Alexander Fitzgerald-Montgomery-Ó Súilleabháin of Ballymacarbry", "Ballymacarbry"),
        ("Ó Súilleabháin " * 13 + "Last", "Ó Súilleabháin Last"),  # 199 characters: a name may have 200
    ],
)
def test_any_name_is_printed_or_clearly_replaced(name, shown):
    facts = CertificateFacts(**{**FACTS, "name": name})
    [(_, text, image)] = pages(certificate_pdf(facts))
    words = " ".join(text.split())
    assert shown in words and "2 December 2026" in words and "enquiries@example.org" in words
    assert ("cannot be printed here" in words) == ("\ufffd" in shown)
    assert read_qr(image) == ["https://register.example.org/v#a.b.c"]


def test_a_logo_that_cannot_be_drawn_leaves_the_name_alone():
    facts = CertificateFacts(**{**FACTS, "body_logo": "<svg><not closed"})
    [(_, text, _)] = pages(certificate_pdf(facts))
    assert "REGISTER OF CREATIVE TECHNICIANS" in text and "Certificate of Registration" in text


def test_no_certificate_once_the_renewal_date_has_passed(tmp_path):
    """In the grace days before a registration lapses its badge no longer verifies as valid: no certificate then."""
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.domain.errors import RuleBroken
    from ledger.processes.issuance import CredentialIssuer
    from ledger.read.projections.runner import ProjectionRunner
    from ledger.reports.certificate import certificate_facts
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    clock = SettableClock(date(2026, 3, 2))
    ledger = Ledger(Settings(database_url=f"sqlite:///{tmp_path / 'r.db'}", master_key=MASTER_KEY), clock=clock)
    try:
        _, number = awarded(ledger, "Dee Late")
        CredentialIssuer(ledger).catch_up()
        ProjectionRunner(ledger).catch_up()
        facts = certificate_facts(ledger, number)
        assert facts.name == "Dee Late" and facts.printed_on == date(2026, 3, 2)
        clock.set(facts.valid_until + timedelta(days=1))
        with pytest.raises(RuleBroken, match=f"{number} is not currently registered: its renewal fell due on"):
            certificate_facts(ledger, number)
    finally:
        ledger.close()
