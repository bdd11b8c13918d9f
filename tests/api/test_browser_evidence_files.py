"""Evidence files through the pages, in real headless Chromium: the registrant chooses files for two areas and
uploads them, is refused a program named .pdf (the error summary at the top links to the file field), downloads
one back and deletes another; sent and assigned, the application's file is downloaded by its assessor and by no
other. Every state of the page passes axe-core, on a desktop and on a 390-pixel phone."""

from __future__ import annotations

from tests.builders import evidence_files as made
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import start
from tests.builders.site import sign_in

PHONE = {"viewport": {"width": 390, "height": 844}}


def choose(page, area: str, name: str, mime: str, content: bytes) -> None:
    page.set_input_files(f"#file-{area}", {"name": name, "mimeType": mime, "buffer": content})
    page.click(f"#files-{area} button:has-text('Upload file')")
    page.wait_for_load_state()


def test_files_uploaded_refused_downloaded_and_deleted_in_a_browser(site):
    url, ledger = site
    from ledger.app.accounts import Accounts

    accounts = Accounts(ledger.engine)
    registrant = next(a.registrant_id for a in accounts.all() if a.role == "registrant")
    application = start(ledger, registrant)
    here = f"{url}/me/applications/{application}/files"
    with chromium() as browser:
        me = sign_in(browser, url, "rhiannon@example.org")
        me.goto(here)
        assert me.get_attribute("#file-A", "accept").startswith(".pdf")
        assert "up to 10 MB." in me.inner_text("#files-A")
        assert serious_accessibility_violations(me) == []

        choose(me, "A", "Rig plan.pdf", "application/pdf", made.PDF)
        assert "Rig plan.pdf added to area A." in me.inner_text("main")
        choose(me, "B", "stage photo.png", "image/png", made.png())
        assert "stage photo.png" in me.inner_text("#files-B")
        screenshot(me, "evidence-files-desktop")
        assert serious_accessibility_violations(me) == []

        choose(me, "C", "invoice.pdf", "application/pdf", made.EXECUTABLE)
        summary = me.locator(".error-summary")
        assert summary.is_visible() and "its content is not PDF" in summary.inner_text()
        assert me.get_attribute(".error-summary a", "href") == "#file-C"
        assert me.get_attribute("#file-C", "aria-invalid") == "true"
        assert "invoice.pdf" not in me.inner_text("main").replace("its name ends .pdf", "")
        screenshot(me, "evidence-files-error")
        assert serious_accessibility_violations(me) == []

        with me.expect_download() as downloading:
            me.click("#files-A a:has-text('Rig plan.pdf')")
        download = downloading.value
        assert download.suggested_filename == "Rig plan.pdf"
        with open(download.path(), "rb") as f:
            assert f.read() == made.PDF

        me.click("#files-B button:has-text('Delete')")
        me.wait_for_load_state()
        assert "File deleted." in me.inner_text("main") and "stage photo.png" not in me.inner_text("#files-B")

        phone = sign_in(browser, url, "rhiannon@example.org", **PHONE)
        phone.goto(here)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone, "evidence-files-phone")
        assert serious_accessibility_violations(phone) == []

        (kept,) = ledger.application(application).files
        for area in ledger.framework.required_areas("RCT"):
            if area.code != "A":
                ledger.add_evidence(application, area.code, f"Work for {area.code}.")
        ledger.submit_application(application)
        asha = next(a.assessor_id for a in accounts.all() if a.email == "asha@example.org")
        ledger.assign_assessor(application, asha, "No conflict.")
        me.goto(here)
        assert me.locator("input[type=file]").count() == 0 and me.locator("#files-A button").count() == 0
        assert "can no longer be changed" in me.inner_text("main")
        screenshot(me, "evidence-files-sent")

        file_url = f"{url}/evidence/{application}/{kept}"
        assessor = sign_in(browser, url, "asha@example.org")
        answer = assessor.request.get(file_url)
        assert answer.status == 200 and answer.body() == made.PDF
        assert answer.headers["content-security-policy"].startswith("sandbox")
        unassigned = sign_in(browser, url, "ben@example.org")
        assert unassigned.request.get(file_url).status == 404
        assert me.errors == [] and phone.errors == []
