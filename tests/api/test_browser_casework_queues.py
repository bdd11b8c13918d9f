"""Casework through the pages, in real headless Chromium, on a desktop and a 390-pixel phone, with axe-core: the
registrar works from queues that name each applicant, assigns assessors by name, each assessor accepts (declaring no
conflict) or declines (declaring one) on their own list, which then shows the case as done; a rejection and a removal
each go through a confirmation page that needs the reason the person is told; the registrar finds a registrant by
name, reads their timeline, suspends them with an end date; assessors are appointed from a page."""

from __future__ import annotations

from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.records import awarded, judgements, submitted
from tests.builders.site import sign_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def looked_at(page, name):
    """Screenshots at both sizes, and no serious accessibility violation at either."""
    screenshot(page, f"casework-{name}")
    assert serious_accessibility_violations(page) == [], name
    page.set_viewport_size(PHONE)
    screenshot(page, f"casework-{name}-phone")
    assert serious_accessibility_violations(page) == [], name
    page.set_viewport_size(DESKTOP)


def test_queues_assignment_conflicts_and_confirmed_rejection(site):
    url, ledger = site
    rhiannon = ledger.registrant(next(iter(_registrants(ledger, "Rhiannon Ellis-Okafor")))).id
    application = submitted(ledger, rhiannon)
    asha, ben = (_assessor(ledger, name) for name in ("Asha Assessor", "Ben Assessor"))
    with chromium() as browser:
        registrar = sign_in(browser, url, "registrar@example.org", viewport=DESKTOP)
        registrar.goto(f"{url}/casework")
        main = registrar.inner_text("main")
        assert "New: assessors to assign (1)" in main and "Rhiannon Ellis-Okafor" in main
        assert "none yet" in main
        looked_at(registrar, "queues")
        registrar.click("text=Rhiannon Ellis-Okafor")
        registrar.wait_for_url(f"**/casework/{application}")
        assert "Extended Diploma in Creative Media Production, Pearson, level 3" in registrar.inner_text("main")
        assert "declaration" not in registrar.content()  # the registrar declares nothing
        for name in ("Asha Assessor", "Ben Assessor"):
            registrar.select_option("#assessor_id", label=name)
            registrar.click('button:text-is("Assign")')
            registrar.wait_for_load_state()
        main = registrar.inner_text("main")
        assert "Asha Assessor: asked on" in main and "Ben Assessor: asked on" in main
        assert "Every assessor place is filled." in main
        looked_at(registrar, "application")

        ben_page = sign_in(browser, url, "ben@example.org", viewport=DESKTOP)
        assert "To accept (1)" in ben_page.inner_text("main")
        ben_page.click("text=Rhiannon Ellis-Okafor")
        ben_page.wait_for_load_state()
        assert "My evidence" not in ben_page.inner_text("main")  # no evidence before accepting
        looked_at(ben_page, "assess-accept")
        ben_page.click("text=Decline: I have a conflict of interest")
        ben_page.wait_for_load_state()
        assert "There is a problem" in ben_page.inner_text("main")
        assert ben_page.get_attribute("#reason", "aria-invalid") == "true"
        looked_at(ben_page, "assess-decline-error")
        ben_page.fill("#reason", "Rhiannon worked on my crew last season.")
        ben_page.click("text=Decline: I have a conflict of interest")
        ben_page.wait_for_load_state()
        assert "Assignment declined" in ben_page.inner_text("main")
        assert "Rhiannon" not in ben_page.inner_text("main")

        asha_page = sign_in(browser, url, "asha@example.org", viewport=DESKTOP)
        asha_page.click("text=Rhiannon Ellis-Okafor")
        asha_page.wait_for_load_state()
        asha_page.fill("#declaration", "I have never worked with the applicant.")
        asha_page.click("text=Accept: I have no conflict of interest")
        asha_page.wait_for_load_state()
        assert "you can assess it now" in asha_page.inner_text("main")
        for area in ("A", "B", "C", "D", "E"):
            asha_page.check(f"input[name=area_{area}][value=not_met]")
        asha_page.select_option("#recommendation", "reject")
        looked_at(asha_page, "assess-form")
        asha_page.click("text=Record my assessment")
        asha_page.wait_for_load_state()
        main = asha_page.inner_text("main")
        assert "Assessment recorded" in main and "Done (1)" in main and "assessed on" in main
        looked_at(asha_page, "assess-list")

        # the registrar sees the conflict declared, assigns a new assessor appointed from the assessors page
        registrar.goto(f"{url}/casework/{application}")
        main = registrar.inner_text("main")
        assert "Ben Assessor: declined on" in main and "Rhiannon worked on my crew last season." in main
        assert "Asha Assessor: assessed on" in main
        assert registrar.locator("#assessor_id option").all_inner_texts() == []  # no one else yet
        registrar.goto(f"{url}/casework/assessors")
        registrar.fill("#name", "Cara Third")
        registrar.click('button:text-is("Appoint")')
        registrar.wait_for_load_state()
        assert "Assessor appointed" in registrar.inner_text("main")
        looked_at(registrar, "assessors")
        registrar.goto(f"{url}/casework/{application}")
        assert registrar.locator("#assessor_id option").all_inner_texts() == ["Cara Third"]
        registrar.select_option("#assessor_id", label="Cara Third")
        registrar.click('button:text-is("Assign")')
        registrar.wait_for_load_state()
        cara = _assessor(ledger, "Cara Third")
        ledger.accept_assignment(application, cara, "")
        ledger.record_assessment(application, cara, judgements(ledger, "RCT", "not_met"), "reject", "Not yet.")

        # a rejection: confirmed, with the reason the applicant is told
        registrar.goto(f"{url}/casework/{application}")
        registrar.select_option("#outcome", "reject")
        registrar.click("text=Record the decision")
        registrar.wait_for_load_state()
        assert "Reject Rhiannon Ellis-Okafor's application?" in registrar.inner_text("main")
        assert "warning" in registrar.get_attribute("button[type=submit].warning", "class")
        registrar.click("text=Reject the application")
        registrar.wait_for_load_state()
        assert "There is a problem" in registrar.inner_text("main")
        looked_at(registrar, "reject-confirm-error")
        assert ledger.application(application).status == "submitted"
        registrar.fill("#reasons", "Every area was judged not met by both assessors.")
        registrar.click("text=Reject the application")
        registrar.wait_for_load_state()
        assert "Decision recorded" in registrar.inner_text("main")
        assert ledger.application(application).outcome == "reject"
        assert not registrar.errors and not ben_page.errors and not asha_page.errors
    del asha, ben


def test_search_timeline_suspension_and_confirmed_removal(site):
    url, ledger = site
    person, number = awarded(ledger, "Sam Suspended")
    with chromium() as browser:
        registrar = sign_in(browser, url, "registrar@example.org", viewport=DESKTOP)
        registrar.goto(f"{url}/casework")
        registrar.fill("#q", "sam susp")
        registrar.click('button:text-is("Search")')
        registrar.wait_for_load_state()
        looked_at(registrar, "search")
        registrar.click("text=Sam Suspended")
        registrar.wait_for_url(f"**/casework/registrants/{person}")
        main = registrar.inner_text("main")
        assert "Enrolled with the register" in main and f"Registration number {number} given" in main
        registrar.click('button:text-is("Suspend")')  # no reason: refused, named
        registrar.wait_for_load_state()
        assert "There is a problem" in registrar.inner_text("main")
        assert registrar.get_attribute("#suspend-reason", "aria-invalid") == "true"
        registrar.fill("#suspend-until", "2001-01-01")  # in the past: refused, named, what was typed kept
        registrar.fill("#suspend-reason", "Complaint.")
        registrar.click('button:text-is("Suspend")')
        registrar.wait_for_load_state()
        assert registrar.get_attribute("#suspend-until", "aria-invalid") == "true"
        assert registrar.input_value("#suspend-reason") == "Complaint."
        looked_at(registrar, "suspend-error")
        registrar.fill("#suspend-reason", "Complaint from a client under review.")
        registrar.fill("#suspend-until", "2099-03-01")
        registrar.click('button:text-is("Suspend")')
        registrar.wait_for_load_state()
        main = registrar.inner_text("main")
        assert "Suspended. The registrant is told why, in a letter." in main
        assert "until 1 March 2099. Reason: Complaint from a client under review." in main
        assert "Suspended until 1 March 2099: Complaint from a client under review." in main
        looked_at(registrar, "registrant")
        registrar.click("button.warning")  # red, apart from Suspend: it only asks to confirm
        registrar.wait_for_load_state()
        assert "Remove Sam Suspended from the register?" in registrar.inner_text("main")
        looked_at(registrar, "remove-confirm")
        registrar.click("button.warning")
        registrar.wait_for_load_state()
        assert "There is a problem" in registrar.inner_text("main")
        assert ledger.registration(person).status == "suspended"
        registrar.fill("#reason", "The complaint was upheld.")
        registrar.click("button.warning")
        registrar.wait_for_load_state()
        main = registrar.inner_text("main")
        assert "Removed from the register. The registrant is told why, in a letter." in main
        assert "Reason: The complaint was upheld." in main
        # appointing a person on the register, found by number: their name is the register's
        registrar.goto(f"{url}/casework/assessors")
        registrar.fill("#q", number)
        registrar.click('button:text-is("Find")')
        registrar.wait_for_load_state()
        registrar.click("text=Appoint Sam Suspended")
        registrar.wait_for_load_state()
        assert "Assessor appointed" in registrar.inner_text("main")
        assert "Sam Suspended (on the register)" in registrar.inner_text("table")
        registrar.click("text=Stand down Sam Suspended")
        registrar.wait_for_load_state()
        assert "Stand Sam Suspended down as an assessor?" in registrar.inner_text("main")
        looked_at(registrar, "stand-down-confirm")
        registrar.click("button.warning")
        registrar.wait_for_load_state()
        assert "Sam Suspended has stood down." in registrar.inner_text("main")
        assert not registrar.errors


def _registrants(ledger, name):
    from ledger.read.projections.register import registrants
    from ledger.read.projections.runner import ProjectionRunner

    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        from uuid import UUID

        rows = conn.execute(registrants.select().where(registrants.c.name == name)).mappings().all()
    return [UUID(r["id"]) for r in rows]


def _assessor(ledger, name):
    from uuid import UUID

    from ledger.read.projections.casework import assessors
    from ledger.read.projections.runner import ProjectionRunner

    ProjectionRunner(ledger).catch_up()
    with ledger.engine.connect() as conn:
        [row] = conn.execute(assessors.select().where(assessors.c.name == name)).mappings().all()
    return UUID(row["id"])
