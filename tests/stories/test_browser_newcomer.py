"""A newcomer body opens its doors (issue 17's "done when"), only through the pages, in real headless Chromium, on a
fresh empty register whose letters the service's own in-process worker delivers to a real SMTP server (aiosmtpd)
here: the first admin (made as `regledger users add --role admin` makes it) sets up a second factor and invites a
registrar; the registrar appoints two assessors by name, whom the admin invites; an applicant signs up, confirms
their address from the letter, enrols, applies with written evidence and a PDF, changes an item and sends; the
registrar finds the application by the applicant's name and assigns the assessors by name, who accept declaring no
conflict, see the PDF and recommend award; the registrar awards; the applicant sees their registration number and
credential, the public register shows them, and the decision letter arrives. Every page is checked by axe-core and
photographed at desktop and phone sizes (newcomer-NN-*.png)."""

from __future__ import annotations

import re
import time
from email import message_from_bytes
from urllib.parse import urlsplit

import pyotp
import pytest

from tests.builders.actors import PASSWORD
from tests.builders.browser import chromium, screenshot, serious_accessibility_violations
from tests.builders.evidence_files import PDF
from tests.builders.second_factor import STEP, SecondFactor
from tests.builders.servers import free_port, serving

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ADMIN, REGISTRAR = "admin@newbody.example", "rosa@newbody.example"
ASSESSORS = {"Asha Appointed": "asha@newbody.example", "Bryn Appointed": "bryn@newbody.example"}
APPLICANT, APPLICANT_NAME = "tomos@newbody.example", "Tomos Newydd"
STAFF_PASSWORD = "a staff password of my own"
APPLICANT_PASSWORD = "slate quarry lighting rig"


class Inbox:
    """What the real SMTP server received."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"

    def letter(self, to: str, subject: str, seconds: float = 20) -> str:
        """The body of the newest letter to ``to`` whose subject holds ``subject``, waiting for the service's
        worker to deliver it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in reversed(self.messages):
                if message["To"] == to and subject in message["Subject"]:
                    return message.get_payload(decode=True).decode()
            time.sleep(0.2)
        raise AssertionError(f"no letter '{subject}' to {to}: {[(m['To'], m['Subject']) for m in self.messages]}")

    def link(self, to: str, subject: str, path: str) -> str:
        found = re.search(rf"(http://\S+/{path}\?token=\S+)", self.letter(to, subject))
        assert found, (to, subject, path)
        return found.group(1)


@pytest.fixture
def newcomer_site(tmp_path):
    """(url, ledger, inbox): a fresh, empty register served with its own worker (every follower and duty, the mail
    among them, every second) and a real SMTP server; only the first admin exists."""
    from aiosmtpd.controller import Controller

    from ledger.api.main import create_app
    from ledger.app.accounts import Accounts
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    port = free_port()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        master_key=MASTER_KEY,
        issuer_url=f"http://127.0.0.1:{port}",
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        send_mail=True,
        mail_every_seconds=1,
    )
    ledger = Ledger(settings)
    Accounts(ledger.engine).add(ADMIN, PASSWORD, "admin")  # what `regledger users add --role admin` does
    try:
        with serving(create_app(ledger, worker="all"), port) as url:
            yield url, ledger, inbox
    finally:
        controller.stop()
        ledger.close()


class Camera:
    """axe finds no serious problem on each page; screenshots at desktop and phone sizes, numbered in order."""

    def __init__(self) -> None:
        self.count = 0

    def look(self, page, name: str) -> None:
        page.wait_for_load_state()
        assert not page.errors, (name, page.errors)
        assert not serious_accessibility_violations(page), (name, serious_accessibility_violations(page))
        self.count += 1
        screenshot(page, f"newcomer-{self.count:02d}-{name}-desktop")
        page.set_viewport_size(PHONE)
        screenshot(page, f"newcomer-{self.count:02d}-{name}-phone")
        page.set_viewport_size(DESKTOP)


def new_page(browser):
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def click(page, name: str, role: str = "button") -> None:
    page.get_by_role(role, name=name, exact=True).click()
    page.wait_for_load_state()


def path_of(page) -> str:
    return urlsplit(page.url).path


def sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    click(page, "Sign in")


def choose_password(page, password: str) -> None:
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm your password").fill(password)


def set_up_second_factor(page, camera: Camera | None, name: str) -> SecondFactor:
    """On /account/two-factor: read the key from the page, confirm with the app's code, keep the recovery codes."""
    assert path_of(page) == "/account/two-factor", page.url
    if camera:
        camera.look(page, f"{name}-two-factor")
    totp = pyotp.TOTP(page.inner_text(".secret code").replace(" ", ""))
    now = time.time()
    page.get_by_label("Code from the app").fill(totp.at(now))
    click(page, "Confirm")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10, page.inner_text("main")
    if camera:
        camera.look(page, f"{name}-recovery-codes")
    click(page, "I have kept them: continue", role="link")
    return SecondFactor(totp.secret, codes, last_step=int(now) // STEP)


def accept_invitation(browser, inbox: Inbox, email: str, camera: Camera | None, name: str):
    """The invited person opens the link from their letter, chooses a password and sets up a second factor."""
    page = new_page(browser)
    page.goto(inbox.link(email, "invit", "invitation"))
    assert email in page.inner_text("main")
    if camera:
        camera.look(page, f"{name}-invitation")
    choose_password(page, STAFF_PASSWORD)
    click(page, "Set my password")
    return page, set_up_second_factor(page, camera, name)


def test_a_new_body_opens_its_doors_through_the_pages(newcomer_site):
    url, ledger, inbox = newcomer_site
    camera = Camera()
    look = camera.look
    with chromium() as browser:
        # 1. The first admin signs in and sets up their second factor.
        admin = new_page(browser)
        admin.goto(f"{url}/login")
        look(admin, "login")
        sign_in(admin, url, ADMIN, PASSWORD)
        set_up_second_factor(admin, camera, "admin")

        # 2. The admin invites a registrar, who accepts and reaches casework.
        click(admin, "Accounts", role="link")  # the admin's own menu
        assert path_of(admin) == "/admin/accounts", admin.url
        assert "a registrar appoints assessors first" in admin.inner_text("main")
        look(admin, "admin-accounts")
        admin.get_by_label("Email address").fill(REGISTRAR)
        admin.get_by_label("Registrar", exact=True).check()
        click(admin, "Send the invitation")
        assert f"Invitation sent to {REGISTRAR}" in admin.inner_text("main"), admin.inner_text("main")
        registrar, _ = accept_invitation(browser, inbox, REGISTRAR, camera, "registrar")
        assert path_of(registrar) == "/casework", registrar.url
        look(registrar, "casework-empty")

        # 3. The registrar appoints two assessors by typing their names; the admin invites each by name.
        registrar.get_by_role("link", name="Assessors", exact=True).click()
        registrar.wait_for_load_state()
        look(registrar, "assessors-none")
        for name in ASSESSORS:
            registrar.get_by_label("Their full name").fill(name)
            click(registrar, "Appoint")
            assert name in registrar.inner_text("table"), registrar.inner_text("main")
        look(registrar, "assessors-appointed")
        assessor_factors = {}
        for name, email in ASSESSORS.items():
            click(admin, "Accounts", role="link")
            admin.get_by_label("Email address").fill(email)
            admin.get_by_label("Assessor", exact=True).check()
            admin.get_by_label("Assessor (for the assessor role)").select_option(label=name)
            click(admin, "Send the invitation")
            assert f"Invitation sent to {email}" in admin.inner_text("main"), admin.inner_text("main")
            first = name.startswith("Asha")
            page, assessor_factors[email] = accept_invitation(
                browser, inbox, email, camera if first else None, "assessor"
            )
            assert path_of(page) == "/assess", page.url
            if first:
                look(page, "assess-nothing-yet")
            page.context.close()
        look(admin, "admin-accounts-staffed")

        # 4. An applicant signs up, confirms their address, enrols and applies.
        me = new_page(browser)
        me.goto(f"{url}/login")
        click(me, "create an account", role="link")
        look(me, "signup")
        me.get_by_label("Email address").fill(APPLICANT)
        choose_password(me, APPLICANT_PASSWORD)
        click(me, "Create my account")
        assert "Check your email" in me.inner_text("h1")
        look(me, "check-email")
        sign_in(me, url, APPLICANT, APPLICANT_PASSWORD)
        assert "Confirm your email address first" in me.inner_text("h1")
        look(me, "unconfirmed")
        me.goto(inbox.link(APPLICANT, "Confirm", "verify"))
        assert "confirmed" in me.inner_text("h1")
        look(me, "confirmed")
        sign_in(me, url, APPLICANT, APPLICANT_PASSWORD)
        if path_of(me) != "/me/enrol":
            me.goto(f"{url}/me/enrol")
        look(me, "enrol")
        me.get_by_label("Your name").fill(APPLICANT_NAME)
        me.get_by_label("Performing arts (theatre, live events)").check()
        me.get_by_label("Yes, list me on the public register").check()
        click(me, "Continue")
        assert path_of(me) == "/me/background", me.url  # the optional background questions
        look(me, "background")
        click(me, "Skip these questions", role="link")
        assert path_of(me) == "/me", me.url
        look(me, "me-new")
        click(me, "Start an application", role="link")
        look(me, "apply-level")
        me.locator("input[name=level][value=RCT]").check()
        click(me, "Continue")
        look(me, "apply-route")
        me.locator("input[name=route][value=standard]").check()
        click(me, "Continue")
        look(me, "apply-details")
        me.get_by_label("Title of the qualification").fill("Extended Diploma in Creative Media Production")
        me.get_by_label("Awarding body").fill("Pearson")
        me.get_by_label("Level of the qualification").fill("3")
        click(me, "Start my application")
        assert re.search(r"/me/applications/[0-9a-f-]{36}$", path_of(me)), me.url
        application = me.url.split("#")[0]
        look(me, "application")
        areas = [a.split("/")[-1] for a in me.locator(".task-list a").evaluate_all("els => els.map(e => e.href)")]
        assert areas[0] == "A" and len(areas) >= 4, areas
        for area in areas:
            me.goto(f"{application}/areas/{area}")
            if area == "A":
                look(me, "area")
            me.get_by_label(f"Your evidence for area {area}").fill(f"Area {area}: a season of touring lighting work.")
            click(me, "Save and return to your application")
            assert me.url.split("#")[0] == application, me.url
        me.goto(f"{application}/areas/A")
        me.get_by_label("Add a file for area A").set_input_files(
            {"name": "rig-plot.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        click(me, "Upload file for area A")
        assert "rig-plot.pdf" in me.inner_text("#files-A"), me.inner_text("main")
        look(me, "area-with-file")
        me.goto(f"{application}/areas/B")
        me.get_by_role("link", name=re.compile("^Change or delete")).first.click()
        me.wait_for_load_state()
        look(me, "change-evidence")
        changed = "Area B: a season of touring lighting work, rigging and focusing forty fixtures."
        me.get_by_label("Your evidence for area B").fill(changed)
        click(me, "Save the change")
        me.goto(application)
        click(me, "Check your answers and send", role="link")
        assert "Check your answers" in me.inner_text("h1")
        assert changed in me.inner_text("main") and "rig-plot.pdf" in me.inner_text("main")
        assert "Before you send it" not in me.inner_text("main")
        look(me, "check-answers")
        click(me, "Send my application")
        assert me.url.split("#")[0] == application, me.url
        assert "sent" in me.inner_text("#application-status")
        look(me, "application-sent")

        # 5. The registrar finds it by the applicant's name and assigns the assessors by name.
        registrar.goto(f"{url}/casework")
        look(registrar, "casework-new")
        registrar.get_by_role("link", name=APPLICANT_NAME, exact=True).first.click()
        registrar.wait_for_load_state()
        application_id = application.rsplit("/", 1)[1]
        assert path_of(registrar) == f"/casework/{application_id}", registrar.url
        look(registrar, "casework-application")
        for name in ASSESSORS:
            registrar.get_by_label(re.compile("^Assign an assessor")).select_option(label=name)
            click(registrar, "Assign")
            assert name in registrar.inner_text("#assessors-heading + ul"), registrar.inner_text("main")
        look(registrar, "casework-assigned")

        for turn, email in enumerate(ASSESSORS.values()):
            assessor = new_page(browser)
            sign_in(assessor, url, email, STAFF_PASSWORD)
            assert path_of(assessor) == "/login/code", assessor.url
            if not turn:
                look(assessor, "code")
            assessor.get_by_label("Code").fill(assessor_factors[email].code())
            click(assessor, "Continue")
            assert path_of(assessor) == "/assess", assessor.url
            if not turn:
                look(assessor, "assignments")
            assessor.get_by_role("link", name=APPLICANT_NAME, exact=True).click()
            assessor.wait_for_load_state()
            if not turn:
                look(assessor, "assess-accept")
            click(assessor, "Accept: I have no conflict of interest")
            assert "rig-plot.pdf" in assessor.inner_text("#judgements"), assessor.inner_text("main")
            with assessor.expect_download() as download:
                assessor.get_by_role("link", name="rig-plot.pdf").click()
            assert download.value.path().read_bytes() == PDF
            for area in areas:
                assessor.locator(f"input[name=area_{area}][value=met]").check()
            assessor.get_by_label("Recommendation").select_option("award")
            assessor.get_by_label("Feedback for the applicant").fill("Clear, well-evidenced practice in every area.")
            if not turn:
                look(assessor, "assess")
            click(assessor, "Record my assessment")
            assert "Assessment recorded" in assessor.inner_text("main"), assessor.inner_text("main")
            if not turn:
                look(assessor, "assessed")

        registrar.goto(f"{url}/casework/{application_id}")
        look(registrar, "casework-to-decide")
        registrar.get_by_label("Outcome").select_option("award")
        click(registrar, "Record the decision")
        assert "Decision recorded" in registrar.inner_text("main"), registrar.inner_text("main")
        look(registrar, "casework-decided")

        # 6. The applicant is registered, has a credential, is on the public register, and was told.
        me.goto(f"{url}/me")
        assert "You are registered as Registered Creative Technician" in me.inner_text("main"), me.inner_text("main")
        number = me.inner_text("dt:text-is('Registration number') + dd").strip()
        assert number
        look(me, "me-registered")
        deadline = time.monotonic() + 20
        me.goto(f"{url}/me/credential")
        while "Share your credential" not in me.inner_text("main") and time.monotonic() < deadline:
            time.sleep(0.5)
            me.reload()
        assert "Download your signed credential (.jwt)" in me.inner_text("main"), me.inner_text("main")
        look(me, "credential")
        public = new_page(browser)
        public.goto(f"{url}/r/{number}")
        assert APPLICANT_NAME in public.inner_text("main") and number in public.inner_text("main")
        look(public, "public-register")
        letter = inbox.letter(APPLICANT, "awarded")
        assert f"Your registration number is {number}" in letter, letter
