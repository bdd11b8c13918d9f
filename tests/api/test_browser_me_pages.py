"""The registrant's pages in real headless Chromium: someone who signed themself up enrols, answers (or skips) the
background questions, and applies one question a page, with evidence area by area and "check your answers" before
sending; a registered, then suspended, registrant sees only what fits. Every page is checked with axe-core and kept
as a screenshot at desktop (1280) and phone (390) widths in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import date

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import awarded
from tests.builders.site import sign_in


def look(page, name):
    """No serious accessibility violation on the page; screenshots at desktop and phone widths."""
    assert serious_accessibility_violations(page) == [], name
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, f"me-{name}")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"me-{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{name} scrolls sideways on a phone"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_applicant_enrols_and_applies_through_the_pages(site):
    url, ledger = site
    from ledger.app.accounts import Accounts

    Accounts(ledger.engine).add("nia@example.org", PASSWORD, "registrant", unenrolled=True)
    with chromium() as browser:
        me = sign_in(browser, url, "nia@example.org")
        me.goto(f"{url}/me")
        assert me.url.endswith("/me/enrol")
        me.click("button:text-is('Continue')")
        assert me.locator(".error-summary a").all_inner_texts() == [
            "Enter your name as it should appear on the register",
            "Choose at least one discipline you work in",
            "Choose whether people can find you by name on the public register",
        ]
        look(me, "enrol-errors")
        me.click(".error-summary a[href='#disciplines']")
        me.fill("#name", "Nia Newcomer")
        me.check("input[name=disciplines][value=digital]")
        me.check("input[name=disciplines][value=design]")
        me.check("input[name=listing][value=listed]")
        look(me, "enrol")
        me.click("button:text-is('Continue')")
        me.wait_for_url("**/me/background?enrolling=1")
        look(me, "background")
        me.click("text=Skip these questions")
        me.wait_for_url("**/me")
        assert "You are not on the register yet" in me.inner_text("main")
        look(me, "overview-new")

        me.click("text=Start an application")
        look(me, "apply-level")
        me.click("button:text-is('Continue')")
        assert "Choose the level you are applying for" in me.inner_text(".error-summary")
        me.check("input[name=level][value=RCT]")
        me.click("button:text-is('Continue')")
        look(me, "apply-route")
        me.check("input[name=route][value=standard]")
        me.click("button:text-is('Continue')")
        assert me.locator("#experience_years").count() == 0  # only the route's own fields
        me.fill("#qualification_title", "Extended Diploma in Creative Media Production")
        me.fill("#qualification_level", "three")
        me.click("text=Start my application")
        assert me.locator(".error-summary a").all_inner_texts() == [
            "Enter the body that awarded your qualification",
            "Enter the level of your qualification as a number from 1 to 8",
        ]
        assert me.input_value("#qualification_title") == "Extended Diploma in Creative Media Production"
        look(me, "apply-details-errors")
        me.fill("#qualification_awarding_body", "Pearson")
        me.fill("#qualification_level", "3")
        me.click("text=Start my application")
        me.wait_for_url("**/me/applications/*")
        look(me, "application-tasks")
        application = me.url.split("#")[0]
        for area in ("A", "B"):
            me.click(f"a[href$='/areas/{area}']")
            if area == "A":
                me.click("text=Save and return to your application")
                assert "Describe your evidence for area A" in me.inner_text(".error-summary")
                look(me, "area-errors")
            me.fill("#text", f"Area {area}: a season of touring lighting work, as lighting programmer.")
            me.click("text=Save and return to your application")
            me.wait_for_load_state()
            assert me.url.startswith(application) and me.inner_text(f"#status-{area}") == "DONE"
        me.click("a:text-is('Check your answers and send')")
        me.wait_for_url("**/check")
        assert "Extended Diploma in Creative Media Production, awarded by Pearson, level 3" in me.inner_text("main")
        assert "Add evidence for area C, Communication and collaboration" in me.inner_text("#missing")
        look(me, "check-answers")
        me.click("button:text-is('Send my application')")
        me.wait_for_url("**/submit")
        assert "Add evidence for area E, Professional conduct, ethics and PPD" in me.inner_text(".error-summary")
        for area in ("C", "D", "E"):
            me.goto(f"{application}/areas/{area}")
            me.fill("#text", f"Area {area}: what I did and what it shows.")
            me.click("text=Save and return to your application")
            me.wait_for_load_state()
        me.click("a:text-is('Check your answers and send')")
        me.wait_for_url("**/check")
        me.click("button:text-is('Send my application')")
        me.wait_for_url(application)
        assert "sent" in me.inner_text("#application-status")
        assert "Extended Diploma in Creative Media Production" in me.inner_text("main")
        look(me, "application-sent")
        me.goto(f"{url}/me")
        assert "Your application for Registered Creative Technician" in me.inner_text("main")
        look(me, "overview-applying")
        assert not me.errors


def test_a_registered_then_suspended_registrant_sees_what_fits(site):
    url, ledger = site
    from ledger.app.accounts import Accounts

    registrant, number = awarded(ledger, "Rhys Registered")
    Accounts(ledger.engine).add("rhys@example.org", PASSWORD, "registrant", registrant_id=registrant)
    with chromium() as browser:
        me = sign_in(browser, url, "rhys@example.org")
        assert "You are registered as Registered Creative Technician" in me.inner_text("main")
        assert "Renew your registration" not in me.inner_text("main")  # not a year early
        look(me, "overview-registered")
        for page, name in (
            ("/me/ppd", "ppd"),
            ("/me/renewal", "renewal-not-yet"),
            ("/me/credential", "credential"),
            ("/me/career-break", "career-break"),
            ("/me/apply", "apply-upgrade"),
        ):
            me.goto(f"{url}{page}")
            look(me, name)
        me.goto(f"{url}/me/ppd")
        assert me.locator("input[name=areas][value=F]").count() == 0
        me.click("text=Record the activity")
        assert "Enter the date of the activity" in me.inner_text(".error-summary")
        look(me, "ppd-errors")
        me.fill("#on", date.today().isoformat() if ledger.clock.now().date() == date.today() else "2026-01-01")
        me.check("input[name=category][value=formal]")
        me.fill("#hours", "4")
        me.check("input[name=areas][value=A]")
        me.fill("#learned", "DMX over sACN.")
        me.fill("#impact", "Faster patching.")
        me.click("text=Record the activity")
        me.wait_for_load_state()
        assert "PPD activity recorded." in me.inner_text("main")

        ledger.suspend(registrant, "Under investigation by the conduct committee.", "registrar", until=date(2099, 1, 1))
        me.goto(f"{url}/me")
        text = me.inner_text("main")
        assert "Your registration is suspended" in text and "Under investigation by the conduct committee." in text
        assert "1 January 2099" in text and "To appeal" in text
        assert me.locator("a[href='/me/career-break']").count() == 0 and me.locator("a[href='/me/apply']").count() == 0
        look(me, "overview-suspended")
        me.goto(f"{url}/me/credential")
        assert "suspended" in me.inner_text("#why-not")
        look(me, "credential-suspended")
        assert not me.errors
