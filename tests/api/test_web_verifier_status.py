"""The browser verifier (verifier/web/verify.js) on a genuine credential carrying a status entry it cannot check: of
an unknown type or purpose, without its status list, or naming a list this register does not publish. The page
gives Python's verdict (``verifier.verify``) word for word -- not valid, the "status" check "not checked" with the
reason -- and says in plain words why it is not valid; the credential as issued, and one without any status entry,
stay valid. Screenshots at 1280 and 390 pixels; axe-core finds nothing serious."""

from __future__ import annotations

from typing import Any

from tests.builders.browser import screenshot, serious_accessibility_violations
from tests.builders.web_verifier import (
    Problems,
    browser_fixture,  # noqa: F401 - the browser fixture
    pasted_verdict,
    python_verdict,
    ready_checker,
    site_fixture,  # noqa: F401 - the site fixture
)
from tests.unit.test_verifier_unknown_status import CASES, changed


def test_the_page_never_calls_a_status_it_cannot_check_valid(browser: Any, site: dict[str, Any]) -> None:
    tokens = {case: changed(site["full"], change, site["signing_key"]) for case, (change, _) in CASES.items()}
    tokens["as issued"] = site["full"]
    tokens["no status"] = changed(
        site["full"], lambda credential: credential.pop("credentialStatus"), site["signing_key"]
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems = Problems(context)
    try:
        page = ready_checker(context, site["server"].origin)
        for case, token in tokens.items():
            verdict = pasted_verdict(page, token)
            assert verdict == python_verdict(token, site["bundle"], site["root"], None), case
            status = next(c for c in verdict["checks"] if c["name"] == "status")
            if case in ("as issued", "no status"):
                assert verdict["valid"] is True and status["outcome"] == "pass", (case, verdict)
                assert page.get_attribute("#verdict", "data-state") == "valid"
                continue
            assert verdict["valid"] is False and status["outcome"] == "not checked", (case, verdict)
            assert CASES[case][1] in status["reason"], case
            assert [c["name"] for c in verdict["checks"] if c["outcome"] == "fail"] == [], case
            assert page.get_attribute("#verdict", "data-state") == "invalid"
            said = page.query_selector_all("#failed-list li")
            assert [li.get_attribute("data-check") for li in said] == ["status"], case
            assert said[0].inner_text().startswith("its current status cannot be checked"), case
            assert page.locator("#checks tr[data-check='status'][data-outcome='not checked']").count() == 1
            if case == "foreign list":
                for width in (1280, 390):
                    page.set_viewport_size({"width": width, "height": 900})
                    screenshot(page, f"h10-web-verifier-unknown-status-{width}")
                assert serious_accessibility_violations(page) == []
                page.set_viewport_size({"width": 1280, "height": 900})
    finally:
        context.close()
    assert problems.seen == []
