"""Evidence files over the JSON API and the pages' forms, as their registrant, the assessors, the registrar and
everyone who must not reach them: uploads judged by content, limits named, the download's safety headers, who may
read, idempotent retries, nothing changed after submission, and an erased owner's file gone."""

from __future__ import annotations

from datetime import date

import pytest

from tests.builders import evidence_files as made
from tests.builders.actors import PASSWORD, Actors
from tests.builders.records import QUALIFICATION

MB = 1024 * 1024


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Actors on a register whose largest file is 1 MB; the registrant and the other registrant each hold a draft."""
    from ledger.app.ledger import Ledger
    from ledger.domain.clock import SettableClock
    from ledger.settings import Settings
    from tests.conftest import MASTER_KEY

    folder = tmp_path_factory.mktemp("evidence")
    ledger = Ledger(
        Settings(database_url=f"sqlite:///{folder / 'r.db'}", master_key=MASTER_KEY, evidence_max_mb=1),
        clock=SettableClock(date(2026, 1, 5)),
    )
    actors = Actors(ledger)
    drafts = {
        who: actors.ok(
            who, "POST", "/api/applications", {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]}
        )["id"]
        for who in ("registrant", "other")
    }
    yield actors, drafts
    actors.close()
    ledger.close()


def upload(actors, who, application, area, name, content, media_type="application/octet-stream", **headers):
    return actors.client.post(
        f"/api/applications/{application}/files",
        data={"area": area},
        files={"file": (name, content, media_type)},
        headers=actors.headers(who, **headers),
    )


def listed(actors, who, application):
    answer = actors.call(who, "GET", f"/api/applications/{application}/files")
    assert answer.status_code == 200, answer.text
    return answer.json()


def stored(actors) -> int:
    root = actors.ledger.settings.evidence_path
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


def test_a_file_that_lies_about_its_kind_is_refused_whatever_the_browser_says(world):
    actors, drafts = world
    mine = drafts["other"]
    before, files = stored(actors), len(listed(actors, "other", mine))
    for name, content, claimed in (
        ("cv.pdf", made.EXECUTABLE, "application/pdf"),
        ("cv.pdf", made.HTML, "application/pdf"),
        ("notes.txt", made.HTML, "text/plain"),
        ("photo.png", made.SVG, "image/png"),
        ("tool.exe", made.PDF, "application/pdf"),
    ):
        answer = upload(actors, "other", mine, "A", name, content, claimed)
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["errors"][0]["field"] == "file", answer.json()
    assert (
        "its name ends .pdf but its content is not PDF"
        in upload(actors, "other", mine, "A", "cv.pdf", made.EXECUTABLE).json()["detail"]
    )
    assert (stored(actors), len(listed(actors, "other", mine))) == (before, files)


def test_too_large_is_refused_with_the_limit_named_and_nothing_stored(world):
    actors, drafts = world
    mine = drafts["other"]
    before = stored(actors)
    answer = upload(actors, "other", mine, "A", "big.pdf", made.PDF + b"\0" * (MB + MB // 2))
    assert answer.status_code == 422 and "a file may be at most 1 MB" in answer.json()["detail"], answer.text
    huge = upload(actors, "other", mine, "A", "huge.pdf", made.PDF + b"\0" * (3 * MB))
    assert huge.status_code == 413, huge.text  # refused unread: more than twice the limit
    assert stored(actors) == before
    ordinary = actors.client.post(
        f"/api/applications/{mine}/evidence",
        json={"area": "A", "text": "x" * 300_000},
        headers=actors.headers("other"),
    )
    assert ordinary.status_code == 413  # every other request keeps the small body limit


def test_a_retried_upload_with_its_key_acts_once(world):
    actors, drafts = world
    mine = drafts["other"]
    first = upload(actors, "other", mine, "C", "plan.pdf", made.PDF, **{"Idempotency-Key": "plan-1"})
    again = upload(actors, "other", mine, "C", "plan.pdf", made.PDF, **{"Idempotency-Key": "plan-1"})
    assert first.status_code == again.status_code == 200, (first.text, again.text)
    assert first.json()["id"] == again.json()["id"]
    assert [f["name"] for f in listed(actors, "other", mine) if f["area"] == "C"] == ["plan.pdf"]
    other_content = upload(actors, "other", mine, "C", "plan.pdf", made.png(), **{"Idempotency-Key": "plan-1"})
    assert other_content.status_code == 422 and "different request" in other_content.text
    gone = actors.call(
        "other", "DELETE", f"/api/applications/{mine}/files/{first.json()['id']}", **{"Idempotency-Key": "d1"}
    )
    twice = actors.call(
        "other", "DELETE", f"/api/applications/{mine}/files/{first.json()['id']}", **{"Idempotency-Key": "d1"}
    )
    assert gone.status_code == twice.status_code == 200 and gone.json() == twice.json()
    assert actors.call("other", "DELETE", f"/api/applications/{mine}/files/{first.json()['id']}").status_code == 404


def test_who_may_read_a_file_from_draft_to_decision_and_erasure(world):
    actors, drafts = world
    mine = drafts["registrant"]
    pdf = upload(actors, "registrant", mine, "A", "Rigging plan.pdf", made.PDF, "text/html")
    image = upload(actors, "registrant", mine, "B", "../../desk.png", made.png(), "image/png")
    assert pdf.status_code == image.status_code == 200, (pdf.text, image.text)
    assert image.json()["name"] == "desk.png" and pdf.json()["media_type"] == "application/pdf"
    pdf_path = f"/api/applications/{mine}/files/{pdf.json()['id']}"

    def reads(who) -> int:
        return actors.call(who, "GET", pdf_path).status_code

    answer = actors.call("registrant", "GET", pdf_path)
    assert answer.status_code == 200 and answer.content == made.PDF
    assert answer.headers["content-type"] == "application/pdf"  # as recognised, not as the browser claimed
    assert answer.headers["content-disposition"].startswith('attachment; filename="Rigging plan.pdf"')
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"].startswith("sandbox")
    assert "no-store" in answer.headers["cache-control"]
    # before anyone is assigned, no assessor reads it; another registrant, the public, auditors and admins never do
    assert {who: reads(who) for who in ("assessor", "unassigned", "other", "auditor", "admin", None)} == {
        "assessor": 404,
        "unassigned": 404,
        "other": 404,
        "auditor": 403,
        "admin": 403,
        None: 401,
    }
    assert upload(actors, "other", mine, "C", "mine now.pdf", made.PDF).status_code == 404
    assert actors.call("other", "DELETE", pdf_path).status_code == 404
    assert upload(actors, "assessor", mine, "C", "a.pdf", made.PDF).status_code == 403

    for area in ("C", "D", "E"):
        actors.ok(
            "registrant", "POST", f"/api/applications/{mine}/evidence", {"area": area, "text": f"Work for {area}."}
        )
    actors.ok("registrant", "POST", f"/api/applications/{mine}/submit")  # A and B are evidenced by files alone
    actors.ok(
        "registrar",
        "POST",
        f"/api/applications/{mine}/assign",
        {"assessor_id": str(actors.assessors[0]), "declaration": "No conflict."},
    )
    assert reads("assessor") == 404  # invited, not yet accepted: no evidence before declaring no conflict
    actors.ok("assessor", "POST", f"/api/applications/{mine}/accept", {"declaration": ""})
    assert {who: reads(who) for who in ("registrant", "assessor", "registrar", "unassigned", "assessor2")} == {
        "registrant": 200,
        "assessor": 200,
        "registrar": 200,
        "unassigned": 404,
        "assessor2": 404,
    }
    assert actors.call("assessor", "GET", pdf_path).content == made.PDF
    assert [f["area"] for f in listed(actors, "assessor", mine)] == ["A", "B"]
    late = upload(actors, "registrant", mine, "C", "late.pdf", made.png(), "image/png")
    assert late.status_code == 422  # its content is checked first: a PNG named .pdf
    late = upload(actors, "registrant", mine, "C", "late.png", made.png(), "image/png")
    assert late.status_code == 409 and "files can be added to a draft" in late.json()["detail"]
    removed = actors.call("registrant", "DELETE", pdf_path)
    assert removed.status_code == 409 and "only before the application is submitted" in removed.json()["detail"]

    actors.ok("registrar", "POST", f"/api/registrants/{actors.registrant}/erase")
    gone = actors.call("registrar", "GET", pdf_path)
    assert gone.status_code == 410 and "erased" in gone.json()["detail"]
    assert [f["name"] for f in listed(actors, "registrar", mine)] == ["(name erased)", "(name erased)"]
    assert not (actors.ledger.settings.evidence_path / actors.registrant.hex).exists()


# -- the pages' forms
def session(actors, email):
    from fastapi.testclient import TestClient

    client = TestClient(actors.app)
    csrf = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return client


def csrf_of(page_html: str) -> str:
    return page_html.split('name="csrf" value="')[1].split('"')[0]


def test_the_files_page_uploads_refuses_and_deletes(world):
    actors, drafts = world
    mine = drafts["other"]
    here = f"/me/applications/{mine}/files"
    with session(actors, "otto@example.org") as client:
        page = client.get(here)
        assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
        assert 'type="file"' in page.text and "accept=" in page.text and "up to 1 MB." in page.text
        csrf = csrf_of(page.text)
        sent = client.post(
            here,
            data={"csrf": csrf, "form_key": "k1", "area": "D", "back": "https://evil.example/"},
            files={"file": ("stage plot.png", made.png(), "image/png")},
            follow_redirects=False,
        )
        assert sent.status_code == 303 and sent.headers["location"] == here, sent.text  # never another site
        shown = client.get(here).text
        assert "stage plot.png" in shown and "added to area D" in shown
        (file,) = [f for f in listed(actors, "other", mine) if f["name"] == "stage plot.png"]
        download = client.get(f"/evidence/{mine}/{file['id']}")
        assert download.status_code == 200 and download.content == made.png()
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.headers["content-security-policy"].startswith("sandbox")

        refused = client.post(
            here,
            data={"csrf": csrf, "form_key": "k2", "area": "E"},
            files={"file": ("cv.pdf", made.HTML, "application/pdf")},
        )
        assert refused.status_code == 422
        assert 'class="error-summary"' in refused.text and 'href="#file-E"' in refused.text
        assert "its content is not PDF" in refused.text and 'aria-invalid="true"' in refused.text

        no_file = client.post(here, data={"csrf": csrf, "form_key": "k3", "area": "E"}, files={"file": ("", b"")})
        assert no_file.status_code == 422 and "choose a file to upload" in no_file.text.lower()

        forged = client.post(
            here, data={"form_key": "k4", "area": "E"}, files={"file": ("cv.pdf", made.PDF, "application/pdf")}
        )
        assert forged.status_code == 403

        no_token = client.post(f"{here}/delete", data={"form_key": "k6", "file": file["id"]})
        assert no_token.status_code == 403 and "security token" in no_token.text
        area_page = f"/me/applications/{mine}/areas/D"
        deleted = client.post(
            f"{here}/delete",
            data={"csrf": csrf, "form_key": "k5", "file": file["id"], "back": area_page + "#files-D"},
            follow_redirects=False,
        )
        assert deleted.status_code == 303 and deleted.headers["location"] == area_page + "#files-D"
        assert "stage plot.png" not in [f["name"] for f in listed(actors, "other", mine)]
        assert client.get(f"/evidence/{mine}/{file['id']}").status_code == 404


def test_the_pages_keep_files_to_their_readers(world):
    actors, drafts = world
    with session(actors, "otto@example.org") as client:
        assert client.get(f"/me/applications/{drafts['registrant']}/files").status_code == 404
        theirs = listed(actors, "registrar", drafts["registrant"])
        if theirs:
            assert client.get(f"/evidence/{drafts['registrant']}/{theirs[0]['id']}").status_code == 404
    anonymous = actors.client.get(f"/me/applications/{drafts['other']}/files", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
