"""The browser verifier's "data model" check (verifier/web/verify.js mirrors verifier.data_model): a genuine
credential that breaks VC Data Model 2.0 gets Python's verdict, word for word, and the page says it is not valid;
a well-formed one passes it. Screenshots at 1280 and 390 pixels; axe-core finds nothing serious."""

from __future__ import annotations

from typing import Any

from tests.builders.browser import screenshot, serious_accessibility_violations
from tests.builders.web_verifier import (
    Problems,
    browser_fixture,  # noqa: F401 - the browser fixture
    failed,
    pasted_verdict,
    python_verdict,
    ready_checker,
    site_fixture,  # noqa: F401 - the site fixture
)


def test_the_page_refuses_a_genuine_credential_that_breaks_the_data_model(browser: Any, site: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems = Problems(context)
    try:
        page = ready_checker(context, site["server"].origin)
        for case, token in (("well formed", site["full"]), ("malformed", site["malformed"])):
            verdict = pasted_verdict(page, token)
            assert verdict == python_verdict(token, site["bundle"], site["root"], None), case
            data_model = next(c for c in verdict["checks"] if c["name"] == "data model")
            assert data_model["name"] == "data model", verdict
            if case == "well formed":
                assert verdict["valid"] is True and data_model["outcome"] == "pass"
                continue
            assert verdict["valid"] is False and failed(verdict) == ["data model"]
            assert (
                "credentialSubject.id: an id must be a single URL, not a list (4.4 Identifiers)" in data_model["reason"]
            )
            assert "name: a language value object's @value must be a string (4.6 " in data_model["reason"]
            assert page.get_attribute("#verdict", "data-state") == "invalid"
            assert page.locator("#checks tr[data-check='data model'][data-outcome='fail']").count() == 1
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                screenshot(page, f"h5-web-verifier-data-model-{width}")
            assert serious_accessibility_violations(page) == []
    finally:
        context.close()
    assert problems.seen == []


def test_the_page_refuses_a_status_entry_naming_a_list_of_another_purpose(browser: Any, site: dict[str, Any]) -> None:
    """Bitstring Status List 3.2 in the browser as in Python: a revocation entry that names the register's
    suspension list fails the revocation check, word for word as regverify says it."""
    import jwt

    from credentials.jwt_sign import encode_jws

    header = {k: v for k, v in jwt.get_unverified_header(site["full"]).items() if k != "alg"}
    payload = jwt.decode(site["full"], options={"verify_signature": False})
    status = payload["credentialStatus"]
    wrong = {
        **payload,
        "credentialStatus": {
            **status,
            "statusListCredential": status["statusListCredential"].replace("/revocation", "/suspension"),
        },
    }
    token = encode_jws(wrong, site["signing_key"], header)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems = Problems(context)
    try:
        page = ready_checker(context, site["server"].origin)
        verdict = pasted_verdict(page, token)
        assert verdict == python_verdict(token, site["bundle"], site["root"], None)
        assert verdict["valid"] is False and failed(verdict) == ["revocation"], verdict
        reason = next(c["reason"] for c in verdict["checks"] if c["name"] == "revocation")
        assert reason.startswith("the revocation entry names the register's suspension list (")
    finally:
        context.close()
    assert problems.seen == []
