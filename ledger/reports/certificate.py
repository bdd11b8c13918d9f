"""The printable certificate of registration: an A4 PDF a registrant can print or send, with the body's identity,
the person, the level and its competency areas, the registration's number and dates, and the same verifiable QR
badge as ``/r/NUMBER/badge.png``.

``certificate_facts`` gathers what the certificate says (the web route and the command line both call it, so both
give the same document, and only while the registration is current); ``certificate_pdf`` draws it from those plain
facts with fpdf2. Text is set in the DejaVu typefaces matplotlib ships (so they are always installed): any name is
printed, and a character no typeface has is shown as a replacement mark with a line saying where the name is shown
in full."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from credentials.qr import qr_png
from ledger.app.ledger import Ledger
from ledger.domain import regnumber
from ledger.domain.clock import written as day
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.domain.statuses import RegistrationStatus
from ledger.read.projections.register import search_register
from ledger.read.sharing import shareable_credential

log = logging.getLogger(__name__)

ACCENT = (0x1D, 0x4F, 0x91)  # the site's accent colour
INK = (0x1B, 0x1B, 0x1B)
MUTED = (0x50, 0x5A, 0x5F)
LINE = (0xB1, 0xB4, 0xB6)
REPLACEMENT = "\ufffd"
PAGE_WIDTH, MARGIN = 210.0, 24.0  # A4 portrait, in millimetres
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN


@dataclass(frozen=True)
class CertificateFacts:
    """What a certificate says, as plain values."""

    body_name: str
    body_address: tuple[str, ...]
    body_email: str
    body_website: str
    body_logo: str  # SVG text; empty for none
    name: str
    number: str
    level_name: str
    post_nominal: str
    registered_since: date
    valid_until: date
    areas: tuple[str, ...]
    framework: str  # the framework's title and version
    badge_url: str
    verifier_url: str  # where to open a credential by hand
    register_url: str  # the registrant's page on the public register
    printed_on: date


def filename(number: str) -> str:
    """What a downloaded certificate is called: after the registration number."""
    return f"{number}-certificate.pdf"


def certificate_facts(ledger: Ledger, number: str) -> CertificateFacts:
    """What the certificate of a registration says, read from the register (bring the read models up to date
    first). A malformed number is ``InvalidInput``; an unknown or erased one ``NotFound``; a registration that is
    not current (suspended, lapsed, removed, resigned, or past its renewal date) ``RuleBroken``: no certificate is
    issued for it."""
    try:
        canonical = regnumber.parse_number(number)
    except regnumber.InvalidRegistrationNumber as error:
        raise InvalidInput("registration_number", str(error)) from None
    framework = ledger.framework
    with ledger.engine.connect() as conn:
        found = search_register(conn, query=canonical, limit=1)
    if not found or found[0]["erased"]:
        raise NotFound(f"no registration numbered {canonical}")
    entry = found[0]
    if entry["status"] != RegistrationStatus.REGISTERED or not entry["level"]:
        raise RuleBroken(f"{canonical} is not currently registered ({entry['status']}): no certificate is issued")
    valid_until = date.fromisoformat(entry["valid_until"])
    if valid_until < ledger.clock.today():  # in the grace before it lapses: its badge no longer verifies as valid
        raise RuleBroken(
            f"{canonical} is not currently registered: its renewal fell due on {day(valid_until)}, so no certificate "
            "is issued until it is renewed"
        )
    shared = shareable_credential(ledger, canonical)
    level = framework.level(entry["level"])
    issuer = ledger.settings.issuer_url.rstrip("/")
    body = ledger.settings.body
    return CertificateFacts(
        body_name=body.name,
        body_address=tuple(body.address),
        body_email=body.email,
        body_website=body.website or issuer,
        body_logo=body.logo,
        name=entry["name"],
        number=canonical,
        level_name=level.name,
        post_nominal=level.post_nominal,
        registered_since=date.fromisoformat(entry["registered_since"]),
        valid_until=valid_until,
        areas=tuple(area.title for area in framework.required_areas(level.code)),
        framework=f"{framework.title} (version {framework.version})",
        badge_url=shared.badge_url,
        verifier_url=f"{issuer}/v",
        register_url=f"{issuer}/r/{canonical}",
        printed_on=ledger.clock.today(),
    )


@cache
def _fonts() -> dict[tuple[str, str], tuple[str, frozenset[int]]]:
    """(family, style) -> (file, the characters it draws), for the DejaVu typefaces matplotlib ships."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fontTools has no type hints

    folder = Path(str(files("matplotlib").joinpath("mpl-data/fonts/ttf")))
    made = {}
    for family, style, name in (
        ("serif", "", "DejaVuSerif.ttf"),
        ("serif", "B", "DejaVuSerif-Bold.ttf"),
        ("serif", "I", "DejaVuSerif-Italic.ttf"),
        ("sans", "", "DejaVuSans.ttf"),
        ("sans", "B", "DejaVuSans-Bold.ttf"),
    ):
        path = folder / name
        with TTFont(str(path), lazy=True) as font:
            made[(family, style)] = (str(path), frozenset(font.getBestCmap()))
    return made


def printable(text: str) -> tuple[str, bool]:
    """``text`` with every character no typeface here can draw replaced by U+FFFD, and whether any was."""
    known = _fonts()[("sans", "")][1] | _fonts()[("serif", "")][1]
    kept = "".join(c if ord(c) in known or c.isspace() else REPLACEMENT for c in text)
    return kept, kept != text


def certificate_pdf(facts: CertificateFacts) -> bytes:
    """The certificate as the bytes of a one-page A4 PDF."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for (family, style), (path, _) in _fonts().items():
        pdf.add_font(family, style, path)
    pdf.set_fallback_fonts(["sans"], exact_match=False)
    pdf.set_title(f"Certificate of registration: {facts.name} ({facts.number})")
    pdf.set_author(facts.body_name)
    pdf.set_subject(f"{facts.level_name} ({facts.post_nominal})")
    pdf.set_creator("regledger")
    pdf.set_lang("en-GB")
    pdf.add_page()
    _frame(pdf)
    _heading(pdf, facts)
    _person(pdf, facts)
    _particulars(pdf, facts)
    _footer(pdf, facts, above=_check(pdf, facts))
    return bytes(pdf.output())


def _frame(pdf: Any) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.rect(10, 10, PAGE_WIDTH - 20, 277)
    pdf.set_line_width(0.2)
    pdf.rect(12.5, 12.5, PAGE_WIDTH - 25, 272)


def _centred(pdf: Any, text: str, family: str, style: str, size: float, colour: tuple[int, int, int], h: float) -> None:
    pdf.set_font(family, style, size)
    pdf.set_text_color(*colour)
    pdf.set_x(MARGIN)
    pdf.multi_cell(TEXT_WIDTH, h, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _rule(pdf: Any, y: float, width: float, colour: tuple[int, int, int] = LINE) -> None:
    pdf.set_draw_color(*colour)
    pdf.set_line_width(0.3)
    pdf.line((PAGE_WIDTH - width) / 2, y, (PAGE_WIDTH + width) / 2, y)


def _heading(pdf: Any, facts: CertificateFacts) -> None:
    top = 22.0
    if facts.body_logo:
        try:
            logo = io.BytesIO(facts.body_logo.encode("utf-8"))  # a square mark or a wide one: kept in shape, centred
            box = 64.0  # the widest a logo may be; it is centred in this box at 20 mm high (or less)
            pdf.image(
                logo, x=(PAGE_WIDTH - box) / 2, y=top, w=box, h=20, keep_aspect_ratio=True, alt_text=facts.body_name
            )
            top += 24
        except Exception as error:  # a logo fpdf2 cannot draw: the body's name stands alone
            log.warning("the certificate is drawn without the logo: %s", error)
    pdf.set_y(top)
    pdf.set_char_spacing(0.6)
    _centred(pdf, printable(facts.body_name)[0].upper(), "sans", "B", 10.5, ACCENT, 5.5)
    pdf.set_char_spacing(0)
    _rule(pdf, pdf.get_y() + 4, 36, ACCENT)
    pdf.set_y(pdf.get_y() + 10)
    _centred(pdf, "Certificate of Registration", "serif", "", 26, INK, 12)


def _person(pdf: Any, facts: CertificateFacts) -> None:
    pdf.set_y(pdf.get_y() + 8)
    _centred(pdf, "This is to certify that", "serif", "I", 12, MUTED, 7)
    pdf.set_y(pdf.get_y() + 3)
    name, replaced = printable(facts.name)
    size = _name_size(pdf, name)
    _centred(pdf, name, "serif", "B", size, INK, size * 0.48)
    if replaced:
        note = (
            f"(Characters shown as {REPLACEMENT} cannot be printed here: the public register shows the name in full.)"
        )
        _centred(pdf, note, "sans", "", 8, MUTED, 4)
    pdf.set_y(pdf.get_y() + 3)
    _centred(pdf, "is entered on the register as a", "serif", "I", 12, MUTED, 7)
    pdf.set_y(pdf.get_y() + 2)
    _centred(pdf, facts.level_name, "serif", "", 19, ACCENT, 9)
    _centred(pdf, f"and may use the post-nominal letters {facts.post_nominal}", "sans", "", 9.5, MUTED, 6)


def _name_size(pdf: Any, name: str) -> float:
    """The largest size (26 points down to 16) at which the name fits one line; a longer name (up to the 200
    characters a name may have) as large as fits two lines, or three at 11 points."""
    size = 26.0
    while True:
        pdf.set_font("serif", "B", size)
        if size <= 11 or pdf.get_string_width(name) <= TEXT_WIDTH:
            return size
        if size <= 16 and len(pdf.multi_cell(TEXT_WIDTH, 5, name, dry_run=True, output="LINES")) <= 2:
            return size
        size -= 1


def _particulars(pdf: Any, facts: CertificateFacts) -> None:
    top = pdf.get_y() + 9
    column = TEXT_WIDTH / 3
    for i, (label, value) in enumerate(
        (
            ("Registration number", facts.number),
            ("Registered since", day(facts.registered_since)),
            ("Valid until", day(facts.valid_until)),
        )
    ):
        pdf.set_xy(MARGIN + i * column, top)
        pdf.set_font("sans", "", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(column, 5, label.upper(), align="C")
        pdf.set_xy(MARGIN + i * column, top + 5.5)
        pdf.set_font("sans", "B", 11.5)
        pdf.set_text_color(*INK)
        pdf.cell(column, 6, value, align="C")
    pdf.set_y(top + 18)
    _centred(
        pdf, f"Assessed against every competency area of the {facts.framework} at this level:", "sans", "", 9, MUTED, 5
    )
    pdf.set_y(pdf.get_y() + 1.5)
    for area in facts.areas:
        _centred(pdf, area, "sans", "", 10, INK, 5.6)


def _check(pdf: Any, facts: CertificateFacts) -> float:
    """The QR badge and how to check the certificate; returns where the block ends."""
    top = max(214.0, pdf.get_y() + 6)  # below the areas even when a long name took more lines
    _rule(pdf, top, TEXT_WIDTH)
    size = 42.0
    # the very PNG of /r/NUMBER/badge.png (black modules on white, its quiet zone included), drawn without smoothing
    pdf.image(io.BytesIO(qr_png(facts.badge_url)), x=MARGIN, y=top + 5, w=size, h=size)
    left = MARGIN + size + 6
    width = PAGE_WIDTH - MARGIN - left
    pdf.set_xy(left, top + 8)
    pdf.set_font("sans", "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(width, 6, "Check this certificate", new_x="LEFT", new_y="NEXT")
    pdf.set_font("sans", "", 9)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(left, pdf.get_y() + 1)
    pdf.multi_cell(
        width,
        4.6,
        "Scan the code with a phone camera: the register's verifier checks the signed credential it carries and "
        f"says whether it is genuine and current. Without a camera, open {facts.verifier_url}, or look up "
        f"{facts.number} on the public register: {facts.register_url}",
        align="L",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_xy(left, pdf.get_y() + 2)
    pdf.multi_cell(
        width,
        4.6,
        f"Printed on {day(facts.printed_on)}. A registration can change after printing: the register always shows "
        "it as it stands today.",
        align="L",
        new_x="LEFT",
        new_y="NEXT",
    )
    return float(max(pdf.get_y(), top + 5 + size))


def _footer(pdf: Any, facts: CertificateFacts, above: float) -> None:
    top = max(266.0, above + 2)  # lower only below the check block of a very long name
    _rule(pdf, top, TEXT_WIDTH)
    pdf.set_y(top + 2.5)
    lines = list(facts.body_address)
    if not lines or facts.body_name.casefold() not in lines[0].casefold():  # the first line often names the body
        lines.insert(0, facts.body_name)
    _centred(pdf, printable(", ".join(lines))[0], "sans", "", 7.5, MUTED, 4)
    _centred(pdf, f"{facts.body_email} · {facts.body_website}", "sans", "", 7.5, MUTED, 4)
