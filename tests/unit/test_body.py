"""The body's identity: read from the environment with every file checked, a logo that cannot run or fetch
anything, statements as plain paragraphs, and the issuer object credentials carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from credentials.open_badges import Issuer
from ledger.domain.body import Body, check_logo, paragraphs
from ledger.settings import Settings

GOOD_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


def test_the_demo_body_is_complete() -> None:
    body = Settings.from_env({}).body
    assert body.name == "Register of Creative Technicians"
    assert body.short_name and body.email and body.address and body.logo.lstrip().startswith("<svg")
    assert body.website == "http://127.0.0.1:8000"  # the register's own address when none is set
    for statement in (body.privacy, body.accessibility, body.complaints):
        assert len(statement) >= 2
        assert all("{name}" not in p and "{email}" not in p for p in statement)
    assert body.email in " ".join(body.complaints)


def test_the_environment_sets_every_part(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text(GOOD_LOGO)
    (tmp_path / "privacy.txt").write_text("We keep {name}'s\nregister.\n\nWrite to {email}.\n")
    env = {
        "REGLEDGER_BODY_NAME": "Guild of Stage Technicians",
        "REGLEDGER_BODY_SHORT_NAME": "GST",
        "REGLEDGER_BODY_ADDRESS": "Stage Door; 4 Wharf Road; Bristol; bs1 4rn",
        "REGLEDGER_BODY_EMAIL": "help@gst.example",
        "REGLEDGER_BODY_WEBSITE": "https://gst.example",
        "REGLEDGER_BODY_LOGO_FILE": str(tmp_path / "logo.svg"),
        "REGLEDGER_BODY_PRIVACY_FILE": str(tmp_path / "privacy.txt"),
    }
    body = Settings.from_env(env).body
    assert (body.name, body.short_name, body.email, body.website) == (
        "Guild of Stage Technicians",
        "GST",
        "help@gst.example",
        "https://gst.example",
    )
    assert body.logo == GOOD_LOGO
    assert body.privacy == ("We keep Guild of Stage Technicians's register.", "Write to help@gst.example.")
    assert body.postal_address == {
        "street": "Stage Door, 4 Wharf Road",
        "locality": "Bristol",
        "postal_code": "BS1 4RN",
        "country_code": "GB",
    }
    assert body.signature.splitlines()[0] == "Guild of Stage Technicians"
    assert Settings.from_env({"REGLEDGER_ISSUER_NAME": "Old Name"}).issuer_name == "Old Name"  # the old setting


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"REGLEDGER_BODY_LOGO_FILE": "/no/such/logo.svg"}, "BODY_LOGO_FILE"),
        ({"REGLEDGER_BODY_PRIVACY_FILE": "/no/such/file.txt"}, "BODY_PRIVACY_FILE"),
        ({"REGLEDGER_BODY_EMAIL": "not an email"}, "email"),
        ({"REGLEDGER_BODY_NAME": "   "}, "name"),
    ],
)
def test_a_wrong_setting_stops_the_start_naming_it(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("svg", "why"),
    [
        ("<html><body>hello</body></html>", "must be an SVG"),
        (GOOD_LOGO.replace("<rect", "<script>alert(1)</script><rect"), "script"),
        (GOOD_LOGO.replace("<rect", '<rect onload="alert(1)"'), "event handlers"),
        (GOOD_LOGO.replace("<rect", '<image href="https://tracker.example/p.png"/><rect'), "link to other files"),
        (GOOD_LOGO.replace("<rect", '<a xlink:href="javascript:alert(1)"><rect/></a><rect'), "javascript"),
        (GOOD_LOGO.replace("<rect", "<foreignObject><div/></foreignObject><rect"), "foreign object"),
        ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>' + GOOD_LOGO, "entity"),
        (GOOD_LOGO.replace("/>", "/>" + " " * 110_000, 1), "at most 100 KB"),
    ],
)
def test_a_logo_that_could_run_or_fetch_is_refused(svg: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=why):
        check_logo(svg, "logo")
    (tmp_path / "logo.svg").write_text(svg)
    with pytest.raises(ValueError, match="BODY_LOGO_FILE"):
        Settings.from_env({"REGLEDGER_BODY_LOGO_FILE": str(tmp_path / "logo.svg")})


def test_statements_are_paragraphs_of_plain_text() -> None:
    assert paragraphs("one\ntwo\r\n\r\n  three  \n\n\n") == ("one two", "three")
    assert Body(privacy=("<b>{name}</b>",)).privacy == ("<b>Register of Creative Technicians</b>",)  # escaped later


def test_the_issuer_profile_carries_the_body_and_passes_the_open_badges_schema() -> None:
    from tests.builders.schemas import errors, validator
    from tests.unit.test_credentials_achievement import credential

    body = Settings.from_env({}).body
    issuer = Issuer(
        id="https://register.example",
        name=body.name,
        url=body.website,
        email=body.email,
        address=tuple(body.postal_address.items()),
    )
    profile = issuer.to_json()
    assert profile["email"] == body.email
    assert profile["address"] == {
        "type": ["Address"],
        "streetAddress": "21 Granary Row, Ancoats",
        "addressLocality": "Manchester",
        "postalCode": "M4 6BU",
        "addressCountryCode": "GB",
    }
    document = credential(issuer=issuer)
    assert document["issuer"] == profile
    assert errors(validator("standards/openbadges/ob_v3p0_achievementcredential_schema.json"), document) == []
    assert errors(validator("standards/vcdm/verifiable-credential-schema.json"), document) == []
