"""Accounts through the service (issue 17, item 1): tokens for staff need their second factor, sessions end when
they should (disabled, password changed), a half-done staff sign-in ends after five wrong codes even if its cookie
is replayed, a staff account with no second factor reaches no staff page, sign-up and reset say the same for known
and unknown emails and are throttled, the admin's API, and ``regledger users list`` and ``users reset``."""

from __future__ import annotations

import json
import re
from datetime import date

import pyotp
import pytest
from fastapi.testclient import TestClient

from tests.builders.actors import PASSWORD, Actors
from tests.builders.command_line import run


@pytest.fixture
def actors(tmp_path):
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    ledger = Ledger(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'r.db'}",
            master_key=MASTER_KEY,
            rate_login_per_minute=1000,
            rate_signup_per_hour=3,
            rate_account_email_per_hour=2,
        ),
        clock=SettableClock(date(2026, 1, 5)),
    )
    found = Actors(ledger)
    yield found
    found.close()
    ledger.close()


def csrf_of(client: TestClient, path: str = "/login") -> str:
    return client.get(path).text.split('name="csrf" value="')[1].split('"')[0]


def post(client: TestClient, path: str, **data: str):
    return client.post(path, data={"csrf": csrf_of(client), **data}, follow_redirects=False)


def test_a_staff_token_needs_the_right_code_once(actors):
    client = actors.client
    form = {"email": "registrar@example.org", "password": PASSWORD}
    missing = client.post("/api/token", data=form)
    assert missing.status_code == 401 and "otp" in missing.json()["detail"]
    wrong = client.post(
        "/api/token", data={**form, "otp": "000000" if actors.factors["registrar"].totp.now() != "000000" else "111111"}
    )
    assert wrong.status_code == 401 and "otp" in wrong.json()["detail"]
    code = actors.factors["registrar"].code()
    assert client.post("/api/token", data={**form, "otp": code}).status_code == 200
    replayed = client.post("/api/token", data={**form, "otp": code})
    assert replayed.status_code == 401 and "used already" in replayed.json()["detail"]
    assert (
        client.post("/api/token", data={**form, "otp": actors.factors["registrar"].recovery_codes[0]}).status_code
        == 200
    )
    # a registrant needs none
    assert client.post("/api/token", data={"email": "ada@example.org", "password": PASSWORD}).status_code == 200


def test_staff_with_no_second_factor_get_no_token_and_no_staff_page(actors):
    from ledger.app.accounts import Accounts

    Accounts(actors.ledger.engine).add("new.admin@example.org", PASSWORD, "admin")
    client = actors.client
    refused = client.post("/api/token", data={"email": "new.admin@example.org", "password": PASSWORD})
    assert refused.status_code == 403 and "/account/two-factor" in refused.json()["detail"]
    signed = post(client, "/login", email="new.admin@example.org", password=PASSWORD)
    assert signed.status_code == 303 and signed.headers["location"] == "/account/two-factor"
    for page in ("/casework", "/admin/accounts", "/analytics"):
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code in (303, 403), page
        if answer.status_code == 303:
            assert answer.headers["location"] == "/account/two-factor"
    setup = client.get("/account/two-factor").text
    assert "<svg" in setup and 'role="img"' in setup
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", setup).group(1).replace(" ", "")
    confirmed = client.post(
        "/account/two-factor",
        data={"csrf": csrf_of(client, "/account"), "code": pyotp.TOTP(secret).now()},
        follow_redirects=False,
    )
    assert (
        confirmed.status_code == 200
        and len(re.findall(r"<li><code>[0-9a-f]{5}-[0-9a-f]{5}</code>", confirmed.text)) == 10
    )
    assert client.get("/admin/accounts", follow_redirects=False).status_code == 200


def test_five_wrong_codes_end_the_half_signed_in_state_even_with_the_old_cookie(actors):
    client = actors.client
    assert post(client, "/login", email="admin@example.org", password=PASSWORD).headers["location"] == "/login/code"
    half = dict(client.cookies)
    for _ in range(4):
        assert post(client, "/login/code", code="000000").status_code == 401
    ended = post(client, "/login/code", code="000000")
    assert ended.status_code == 303 and ended.headers["location"] == "/login"
    client.cookies.clear()
    client.cookies.update(half)  # the cookie from before the wrong codes
    late = post(client, "/login/code", code=actors.factors["admin"].code())
    assert late.headers["location"] == "/login"
    assert client.get("/admin/accounts", follow_redirects=False).status_code == 303


def test_a_disabled_account_cannot_use_its_session(actors):
    client = TestClient(actors.app)
    assert post(client, "/login", email="ada@example.org", password=PASSWORD).status_code == 303
    assert client.get("/account").status_code == 200
    actors.ok("admin", "POST", "/api/accounts/ada@example.org/disable")
    assert client.get("/account", follow_redirects=False).status_code == 303  # to sign in
    assert post(client, "/login", email="ada@example.org", password=PASSWORD).status_code == 401


def test_changing_the_password_ends_the_other_sessions(actors):
    here, there = TestClient(actors.app), TestClient(actors.app)
    for client in (here, there):
        assert post(client, "/login", email="ada@example.org", password=PASSWORD).status_code == 303
    wrong = here.post(
        "/account/password",
        data={
            "csrf": csrf_of(here, "/account"),
            "current_password": "not my password",
            "password": "n" * 12,
            "confirm_password": "n" * 12,
        },
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    changed = here.post(
        "/account/password",
        data={
            "csrf": csrf_of(here, "/account"),
            "current_password": PASSWORD,
            "password": "a new long password",
            "confirm_password": "a new long password",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert here.get("/account", follow_redirects=False).status_code == 200  # this browser carries on
    assert there.get("/account", follow_redirects=False).status_code == 303  # the other is signed out


def test_sign_up_and_reset_look_the_same_for_known_and_unknown_emails(actors):
    from ledger.api.security import RateLimiter

    def page(path: str, email: str, **more: str) -> str:
        actors.app.state.service.limiter = RateLimiter()  # throttling is another test's
        client = TestClient(actors.app)
        text = post(client, path, email=email, **more).text
        return re.sub(r'name="(csrf|form_key)" value="[^"]*"', "", text).replace(email, "EMAIL")

    known, unknown = "ada@example.org", "nobody@example.org"
    assert page("/forgot", known) == page("/forgot", unknown)
    new_password = {"password": "x" * 12, "confirm_password": "x" * 12}
    assert page("/signup", known, **new_password) == page("/signup", "nobody2@example.org", **new_password)
    letters = {(x["kind"], x["to"]) for x in _outbox(actors)}
    assert letters == {("reset", known), ("signup-existing", known), ("verify", "nobody2@example.org")}


def test_sign_ups_are_throttled_with_a_plain_page(actors):
    client = actors.client
    answers = [
        post(client, "/signup", email=f"person{n}@example.org", password="y" * 12, confirm_password="y" * 12)
        for n in range(4)
    ]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == 429 and int(answers[3].headers["retry-after"]) > 60
    assert "Try again in about" in answers[3].text and "minutes" in answers[3].text
    assert len(_outbox(actors)) == 3


def test_one_email_is_throttled_from_any_address(actors):

    client = actors.client
    limiter = actors.app.state.service.limiter
    answers = []
    for _ in range(3):
        answers.append(post(client, "/forgot", email="ADA@example.org" if answers else "ada@example.org").status_code)
        # as if each came from another address: the address's count forgotten, the email's kept
        limiter._buckets = {k: v for k, v in limiter._buckets.items() if k[0] != "account mail"}
    assert answers == [200, 200, 429]
    assert len(_outbox(actors)) == 2


def test_the_admin_invites_changes_roles_and_lists_through_the_api(actors):
    spare = actors.ledger.appoint_assessor("Sam Spare")
    made = actors.ok(
        "admin",
        "POST",
        "/api/accounts/invitations",
        {"email": "sam@example.org", "role": "assessor", "assessor_id": str(spare)},
    )
    assert made["state"] == "invited"
    taken = actors.call(
        "admin",
        "POST",
        "/api/accounts/invitations",
        {"email": "x@example.org", "role": "assessor", "assessor_id": str(actors.assessors[0])},
    )
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "assessor_id"  # has an account
    bad_role = actors.call("admin", "POST", "/api/accounts/invitations", {"email": "y@example.org", "role": "root"})
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"
    assert (
        actors.call(
            "registrar", "POST", "/api/accounts/invitations", {"email": "z@example.org", "role": "admin"}
        ).status_code
        == 403
    )
    listed = {row["email"]: row for row in actors.ok("admin", "GET", "/api/accounts")}
    assert listed["sam@example.org"]["state"] == "invited" and listed["registrar@example.org"]["second_factor"]
    assert (
        actors.ok("admin", "POST", "/api/accounts/auditor@example.org/role", {"role": "registrar"})["role"]
        == "registrar"
    )
    assert actors.call("admin", "POST", "/api/accounts/admin@example.org/role", {"role": "auditor"}).status_code == 409
    assert actors.call("admin", "POST", "/api/accounts/ada@example.org/role", {"role": "admin"}).status_code == 422
    actors.ok("admin", "POST", "/api/accounts/sam@example.org/invitation")
    assert [x["kind"] for x in _outbox(actors)] == ["invitation", "invitation"]


def test_users_list_and_reset_from_the_command_line(tmp_path):
    from ledger.app.account_desk import AccountDesk
    from ledger.app.ledger import Ledger
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    url = f"sqlite:///{tmp_path / 'r.db'}"
    ledger = Ledger(Settings(database_url=url, master_key=MASTER_KEY))
    desk = AccountDesk.of(ledger)
    staff = desk.accounts.add("ops@example.org", PASSWORD, "registrar")
    secret = desk.factors.begin(staff.id)
    desk.factors.confirm(staff.id, pyotp.TOTP(secret).now())
    desk.sign_up("new@example.org", PASSWORD)
    ledger.appoint_assessor("Ned Named")
    from ledger.read.projections.runner import ProjectionRunner

    ProjectionRunner(ledger).catch_up()
    ledger.close()

    by_name = run(
        ["users", "add", "ned@example.org", "--role", "assessor", "--assessor", "ned named", "--password", PASSWORD],
        url,
    )
    assert by_name.exit_code == 0 and "second factor" in by_name.output, by_name.output
    nobody = run(
        ["users", "add", "x@example.org", "--role", "assessor", "--assessor", "Nobody", "--password", PASSWORD], url
    )
    assert nobody.exit_code == 1 and "no serving assessor is named" in nobody.output
    applicant = run(["users", "add", "app@example.org", "--role", "registrant", "--password", PASSWORD], url)
    assert applicant.exit_code == 0, applicant.output  # enrols from their own pages

    listed = {row["email"]: row for row in json.loads(run(["users", "list", "--json"], url).stdout)}
    assert listed["ops@example.org"]["second_factor"] is True and listed["ops@example.org"]["state"] == "active"
    assert listed["new@example.org"]["state"] == "unverified" and listed["new@example.org"]["role"] == "registrant"
    table = run(["users", "list"], url)
    assert table.exit_code == 0 and "unverified" in table.output and "set up" in table.output

    reset = run(["users", "reset", "ops@example.org", "--second-factor"], url)
    assert reset.exit_code == 0, reset.output
    link = reset.stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8000/reset?token=")
    assert "Forgot the second factor" in reset.output
    assert json.loads(run(["users", "list", "--json"], url).stdout)[0]["second_factor"] is False
    nobody = run(["users", "reset", "nobody@example.org"], url)
    assert nobody.exit_code == 1 and "no account" in nobody.output
    assert "--second-factor" in run(["users", "reset", "--help"], url).output


def _outbox(actors):
    from ledger.app.account_letters import AccountOutbox

    return AccountOutbox(actors.ledger.engine).all()


def test_settings_for_links_and_limits_come_from_the_environment():
    from ledger.settings import Settings

    found = Settings.from_env({"REGLEDGER_RESET_LINK_MINUTES": "30", "REGLEDGER_RATE_SIGNUP_PER_HOUR": "5"})
    assert (found.reset_link_minutes, found.rate_signup_per_hour, found.verify_link_hours) == (30, 5, 24)
    with pytest.raises(ValueError):
        Settings.from_env({"REGLEDGER_INVITATION_DAYS": "a week"})
