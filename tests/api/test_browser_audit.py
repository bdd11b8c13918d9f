"""A PPD audit through the pages, in real headless Chromium: the registrant declares a career break and sends a PPD
profile drawing on activities from their record; the registrar assigns an assessor, who judges each standard; the
registrar decides 'not renewed'; the registrant appeals and sees that their registration stays as it is; the
registrar upholds the appeal."""

from __future__ import annotations

from datetime import timedelta

from tests.builders.browser import chromium, screenshot
from tests.builders.site import sign_in

YEAR = 2026


def test_profile_judgement_decision_appeal_through_the_pages(site):
    url, ledger = site
    from ledger.app.accounts import Accounts

    accounts = Accounts(ledger.engine)
    registrant = next(a.registrant_id for a in accounts.all() if a.role == "registrant")
    from tests.builders.records import assessed, assessors, submitted

    application = submitted(ledger, registrant)
    assessed(ledger, application, assessors(ledger))
    number = ledger.decide(application, "award", "", "registrar")
    categories = ledger.framework.rules.ppd_categories
    for i in range(3):
        ledger.record_ppd(
            registrant,
            ledger.clock.today() - timedelta(days=3 + i),
            categories[i],
            5,
            ["A"],
            f"Learned thing {i}.",
            f"Changed practice {i}.",
        )
    ledger.select_for_audit(registrant, YEAR, "seed")
    here = f"{url}/me/audits/{number}/{YEAR}"
    with chromium() as browser:
        me = sign_in(browser, url, "rhiannon@example.org")
        me.goto(f"{url}/me/career-break")
        start = ledger.clock.today() + timedelta(days=400)
        me.fill("#start", start.isoformat())
        me.fill("#end", (start + timedelta(days=180)).isoformat())
        me.click("button:text-is('Declare a career break')")
        me.wait_for_load_state()
        assert "Career break recorded" in me.inner_text("main")
        assert f"From {start.isoformat()}" in me.inner_text("#career-breaks")
        me.goto(f"{url}/me")
        me.click(f"a[href='/me/audits/{number}/{YEAR}']")
        me.wait_for_load_state()
        assert me.inner_text("#audit-stage") == "awaiting profile"
        me.fill("#summary", "Lighting programmer on two national tours.")
        for box in me.query_selector_all("input[name=activities]")[:2]:
            box.check()
        me.fill("#statement", "My record is kept weekly; my PPD mixes courses and mentoring.")
        me.click("button:text-is('Send my profile')")
        me.wait_for_load_state()
        assert "Your PPD profile was sent." in me.inner_text("main")
        assert "Learned thing 0." in me.inner_text("#profile ~ table") or "Learned thing" in me.inner_text("main")
        screenshot(me, "20-registrant-audit-profile")

        registrar = sign_in(browser, url, "registrar@example.org")
        registrar.goto(f"{url}/casework/audits")
        registrar.click(f"a[href='/casework/audits/{number}/{YEAR}']")
        registrar.select_option("#assessor_id", label="Asha Assessor")
        registrar.click("button:text-is('Assign the assessor')")
        registrar.wait_for_load_state()
        assert "Assessor assigned." in registrar.inner_text("main")

        assessor = sign_in(browser, url, "asha@example.org")
        assessor.goto(f"{url}/assess")
        assessor.click(f"a[href='/assess/audits/{number}/{YEAR}']")
        assert "Lighting programmer" in assessor.inner_text("main")
        assert "background" not in assessor.content().lower()
        for standard in ledger.framework.rules.audit_standards:
            value = "not_met" if standard == "benefit" else "met"
            assessor.check(f"input[name=standard_{standard}][value={value}]")
        assessor.fill("#feedback", "Say who benefited from the new techniques.")
        assessor.click("button:text-is('Record my judgement')")
        assessor.wait_for_load_state()
        assert "Audit judgement recorded." in assessor.inner_text("main")

        registrar.reload()
        registrar.check("input[name=outcome][value=accepted]")
        registrar.click("button:text-is('Decide')")
        registrar.wait_for_load_state()
        assert "not met" in registrar.inner_text(".flash")  # refused by the rules, and nothing changed
        assert registrar.inner_text("#audit-stage") == "judged"
        registrar.check("input[name=outcome][value=not_renewed]")
        registrar.fill("#reasons", "The benefit standard is not met.")
        registrar.click("button:text-is('Decide')")
        registrar.wait_for_load_state()
        assert registrar.inner_text("#audit-stage") == "not renewed"

        me.goto(here)
        assert "Say who benefited" in me.inner_text("main")
        me.fill("#grounds", "My statement's second paragraph names the productions that benefited.")
        me.click("button:text-is('Appeal')")
        me.wait_for_load_state()
        assert me.inner_text("#audit-stage") == "appealed"
        me.goto(f"{url}/me")
        assert "registered" in me.inner_text(".facts")
        screenshot(me, "21-registrant-audit-appealed")

        registrar.reload()
        registrar.check("input[name=upheld][value=yes]")
        registrar.fill("#appeal_reasons", "The statement does show the benefit.")
        registrar.click("button:text-is('Decide the appeal')")
        registrar.wait_for_load_state()
        assert registrar.inner_text("#audit-stage") == "accepted"
        screenshot(registrar, "22-registrar-audit-accepted")
        assert not (me.errors or registrar.errors or assessor.errors)
    assert ledger.registration(registrant).status == "registered"
