"""The body that keeps the register: its name, short name, logo, address, contact, website and the three statements
a public register owes the people who use it (privacy notice, accessibility statement, how to complain). Every page,
letter, certificate and credential ``issuer`` object takes them from here; settings fill them from the environment
(``ledger.settings``), and the defaults are the demo's plausible body.

Statements are plain text: paragraphs separated by blank lines, shown as paragraphs (never as HTML). ``{name}``
and ``{email}`` in them become the body's name and contact email."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib.resources import files

LOGO_MAX_BYTES = 100 * 1024
UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)

DEFAULT_PRIVACY = """\
{name} keeps the public register of creative-industries technicians. This notice says what we hold about you, why,
and what you can ask of us.

What the public register shows: your name, registration number, level, disciplines, status and the dates of your
registration. It shows nothing else, and nothing at all once you ask us to erase your details.

What we hold to run the register: your contact details, your applications and their evidence, the assessors'
judgements and our decisions, your professional development records and, only if you choose to answer, questions
about your background. We hold them because registration is a service you ask us for (contract) and because a
public register protects the people who hire you (legitimate interests). Background answers are used only for
statistics about fair access, never shown to assessors or decision makers, and never published except as
rounded totals too large to identify anyone.

Your personal details are sealed with a key of your own. When you ask us to erase them, we destroy that key: what
we hold about you becomes unreadable, while the record that a decision was made stays, without your name.

You can ask for a copy of what we hold, ask us to correct it, or ask us to erase it, by writing to {email}. If you
are unhappy with how we handle your data you can complain to the Information Commissioner's Office (ico.org.uk).
"""

DEFAULT_ACCESSIBILITY = """\
{name} wants as many people as possible to be able to use this website. You should be able to zoom in to 400%
without the text spilling off the screen, navigate the whole site using just a keyboard, and use it with a screen
reader. The pages work on a phone 320 pixels wide, and print cleanly.

We check every public page with automated accessibility testing (axe-core) before each release and fix what it
finds. Automated testing does not find everything: if something does not work for you, tell us at {email} and say
which page. We will reply within 5 working days.

We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. If you are not happy with our
response, you can contact the Equality Advisory and Support Service (EASS).
"""

DEFAULT_COMPLAINTS = """\
If you are unhappy with something we have done, or with how we have treated you, please tell us. Write to {email}
with your name, your registration number if you have one, what happened and what you would like us to do.

We will acknowledge your complaint within 5 working days and answer it in full within 20 working days. A senior
member of staff who was not involved in the matter will look into it.

This is not the way to challenge a decision on an application, a suspension or a removal: each decision letter says
how to appeal it, and appeals are heard by people who took no part in the decision.

If you are a client or employer concerned about a registrant's conduct or competence, write to {email} with their
name and registration number and what happened. We will tell you what we can do and keep you informed.
"""


def _default_logo() -> str:
    return files("ledger.domain").joinpath("body_logo.svg").read_text(encoding="utf-8")


def paragraphs(text: str) -> tuple[str, ...]:
    """Plain text as paragraphs: blocks separated by blank lines, each with its lines joined by spaces."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return tuple(" ".join(block.split()) for block in blocks if block.strip())


def address_lines(text: str) -> tuple[str, ...]:
    """An address written on one line with its lines separated by ``;`` (or by new lines)."""
    return tuple(line.strip() for line in re.split(r"[;\n]", text) if line.strip())


def check_logo(svg: str, where: str) -> str:
    """An SVG logo fit to serve from the register's own address: SVG, not too large, and nothing in it that runs or
    fetches (scripts, event handlers, foreign objects, links to other places)."""
    if len(svg.encode("utf-8")) > LOGO_MAX_BYTES:
        raise ValueError(f"{where}: the logo must be at most {LOGO_MAX_BYTES // 1024} KB of SVG")
    head = svg.lstrip()[:400].lower()
    if not (head.startswith("<svg") or (head.startswith("<?xml") and "<svg" in svg[:2000].lower())):
        raise ValueError(f"{where}: the logo must be an SVG file (it must start with <svg or <?xml)")
    lowered = svg.lower()
    for bad, why in (
        ("<script", "a script"),
        ("<foreignobject", "a foreign object"),
        ("javascript:", "a javascript: link"),
        ("<!entity", "an XML entity"),
    ):
        if bad in lowered:
            raise ValueError(f"{where}: the logo must not contain {why}")
    if re.search(r"\son[a-z]+\s*=", lowered):
        raise ValueError(f"{where}: the logo must not contain event handlers (on...= attributes)")
    if re.search(r"(?:xlink:)?href\s*=\s*[\"'](?!#|data:image/)", lowered):
        raise ValueError(f"{where}: the logo must not link to other files (only #fragments and data:image/ URLs)")
    return svg


@dataclass(frozen=True)
class Body:
    name: str = "Register of Creative Technicians"
    short_name: str = "RCTech"
    address: tuple[str, ...] = ("21 Granary Row", "Ancoats", "Manchester", "M4 6BU")
    email: str = "enquiries@creative-technicians.example"
    website: str = ""  # the register's own address when empty (the issuer URL)
    logo: str = field(default_factory=_default_logo)
    privacy: tuple[str, ...] = paragraphs(DEFAULT_PRIVACY)
    accessibility: tuple[str, ...] = paragraphs(DEFAULT_ACCESSIBILITY)
    complaints: tuple[str, ...] = paragraphs(DEFAULT_COMPLAINTS)

    def __post_init__(self) -> None:
        for label, text in (("name", self.name), ("short name", self.short_name), ("email", self.email)):
            if not text.strip():
                raise ValueError(f"the body's {label} must not be empty")
        if "@" not in self.email or any(c.isspace() for c in self.email):
            raise ValueError(f"the body's email must be an email address, not {self.email!r}")
        for label, texts in (
            ("privacy", self.privacy),
            ("accessibility", self.accessibility),
            ("complaints", self.complaints),
        ):
            object.__setattr__(
                self, label, tuple(t.replace("{name}", self.name).replace("{email}", self.email) for t in texts)
            )

    @property
    def postal_address(self) -> dict[str, str]:
        """The address in parts (street, locality, postal code), as a credential's ``Address`` wants it: the last
        line is the postcode where it looks like one, the line before it the town."""
        lines = list(self.address)
        found: dict[str, str] = {"country_code": "GB"}
        if lines and UK_POSTCODE.match(lines[-1]):
            found["postal_code"] = lines.pop().upper()
            if len(lines) >= 2:
                found["locality"] = lines.pop()
        if lines:
            found["street"] = ", ".join(lines)
        return found

    @property
    def signature(self) -> str:
        """How a letter ends: the body's name, address and contact email, one per line."""
        return "\n".join((self.name, *self.address, self.email, *((self.website,) if self.website else ())))

    def with_website(self, url: str) -> Body:
        """The body with ``url`` as its website when none is set."""
        from dataclasses import replace

        return self if self.website else replace(self, website=url)
