"""Through the pages, in real headless Chromium: a registrant applies, two assessors assess, the registrar awards,
the registrant downloads the credential and its QR badge, and a phone-sized browser opens the badge's link and sees
"valid". Screenshots of each page are kept in test-artifacts/screenshots/."""

from __future__ import annotations

import io

from tests.builders.browser import chromium, screenshot
from tests.builders.records import read_qr
from tests.builders.site import sign_in


def test_apply_assess_award_share_and_verify_on_a_phone(site):
    url, ledger = site
    with chromium() as browser:
        me = sign_in(browser, url, "rhiannon@example.org")
        assert me.url.endswith("/me")
        screenshot(me, "01-registrant-home")
        me.click("text=Start an application")
        me.check("input[name=level][value=RCT]")
        me.click("button:text-is('Continue')")
        me.check("input[name=route][value=standard]")
        me.click("button:text-is('Continue')")
        me.fill("#qualification_title", "Extended Diploma in Creative Media Production")
        me.fill("#qualification_awarding_body", "A Awarding Body")
        me.fill("#qualification_level", "3")
        me.click("text=Start my application")
        me.wait_for_url("**/me/applications/*")
        screenshot(me, "02-application")
        application_url = me.url.split("#")[0]
        for area in ("A", "B", "C", "D", "E"):
            me.goto(f"{application_url}/areas/{area}")
            me.fill("#text", f"My evidence for area {area}: a season of touring lighting work.")
            me.click("text=Save and return to your application")
            me.wait_for_url(f"{application_url}#area-{area}")
        me.click("a:text-is('Check your answers and send')")
        me.wait_for_url("**/check")
        me.click("button:text-is('Send my application')")
        me.wait_for_url(application_url)
        assert "sent" in me.inner_text("#application-status")
        application_url = me.url
        application_id = application_url.rsplit("/", 1)[1]

        registrar = sign_in(browser, url, "registrar@example.org")
        assert registrar.url.endswith("/casework")
        screenshot(registrar, "03-casework")
        registrar.goto(f"{url}/casework/{application_id}")
        for name in ("Asha Assessor", "Ben Assessor"):
            registrar.select_option("#assessor_id", label=name)
            registrar.click('button:text-is("Assign")')
            registrar.wait_for_load_state()
        screenshot(registrar, "04-assigned")

        for email in ("asha@example.org", "ben@example.org"):
            assessor = sign_in(browser, url, email)
            assessor.click(f"a[href='/assess/{application_id}']")
            assessor.wait_for_load_state()
            assessor.click("text=Accept: I have no conflict of interest")
            assessor.wait_for_load_state()
            for area in ("A", "B", "C", "D", "E"):
                assessor.check(f"input[name=area_{area}][value=met]")
            assessor.select_option("#recommendation", "award")
            assessor.fill("#feedback", "Clear, well-evidenced practice in every area.")
            screenshot(assessor, f"05-assess-{email.split('@')[0]}")
            assessor.click("text=Record my assessment")
            assessor.wait_for_load_state()
            assert "Assessment recorded" in assessor.inner_text("main")
            assert not assessor.errors

        registrar.goto(f"{url}/casework/{application_id}")
        registrar.select_option("#outcome", "award")
        registrar.click("text=Record the decision")
        registrar.wait_for_load_state()
        assert "Decision recorded" in registrar.inner_text("main")

        me.goto(f"{url}/me/credential")
        screenshot(me, "06-registered")
        assert "Share your credential" in me.inner_text("main")
        with me.expect_download() as download:
            me.click("text=Download your signed credential (.jwt)")
        token = download.value.path().read_text().strip()
        assert token.count(".") == 2
        with me.expect_download() as png:
            me.click("text=Download your QR badge (.png)")
        from PIL import Image

        badge_url = read_qr(Image.open(io.BytesIO(png.value.path().read_bytes())))
        assert len(badge_url) == 1 and badge_url[0].startswith(f"{url}/v#")

        public = browser.new_page()
        public.goto(f"{url}/register?query=Rhiannon")
        public.click("text=Rhiannon Ellis-Okafor")
        public.wait_for_load_state()
        screenshot(public, "07-public-page")
        assert "Add to LinkedIn profile" in public.inner_text("main")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        badge = phone.new_page()
        badge.goto(badge_url[0])
        verdict = badge.wait_for_selector("[data-ms]", timeout=15_000)
        screenshot(badge, "08-phone-verdict")
        assert verdict.inner_text().lower().startswith("valid"), verdict.inner_text()
        assert not me.errors and not registrar.errors


def test_the_registrar_suspends_and_the_public_page_shows_it(site):
    url, ledger = site
    from tests.builders.records import awarded

    _, number = awarded(ledger, "Sam Suspended")
    with chromium() as browser:
        registrar = sign_in(browser, url, "registrar@example.org")
        registrar.goto(f"{url}/casework/registrations/{number}")
        registrar.fill("#suspend-reason", "Under investigation by the conduct committee.")
        registrar.click("button:text-is('Suspend')")
        registrar.wait_for_load_state()
        assert "Suspended." in registrar.inner_text("main")
        screenshot(registrar, "09-registrar-suspended")
        public = browser.new_page()
        public.goto(f"{url}/r/{number}")
        assert "is not currently registered: suspended since" in public.inner_text(".standing")
        assert "Add to LinkedIn" not in public.inner_text("main")
        assert not registrar.errors
