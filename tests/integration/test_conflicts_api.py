"""The JSON API's side of assessors' own declarations: the registrar's ``declaration`` is ignored (the assessor is
asked to accept), only the assigned assessor can accept or decline, a decline needs its reason, and every refusal
names the field and writes nothing."""

from __future__ import annotations

import pytest

from tests.builders.actors import Actors
from tests.builders.records import QUALIFICATION


@pytest.fixture
def actors(ledger):
    made = Actors(ledger)
    yield made
    made.close()


def submitted_by_api(actors):
    application = actors.ok(
        "registrant",
        "POST",
        "/api/applications",
        {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]},
    )["id"]
    for area in ("A", "B", "C", "D", "E"):
        actors.ok("registrant", "POST", f"/api/applications/{application}/evidence", {"area": area, "text": "Work."})
    actors.ok("registrant", "POST", f"/api/applications/{application}/submit")
    return application


def test_only_the_assigned_assessor_accepts_or_declines_and_a_decline_needs_a_reason(actors, ledger):
    application = submitted_by_api(actors)
    path = f"/api/applications/{application}"
    actors.ok("registrar", "POST", f"{path}/assign", {"assessor_id": str(actors.assessors[0]), "declaration": "None."})
    [mine] = actors.ok("assessor", "GET", "/api/assignments")
    assert mine["my_state"] == "to accept"  # the registrar's declaration was not taken as the assessor's
    assessment = {"judgements": {a: "met" for a in "ABCDE"}, "recommendation": "award"}
    assert actors.call("assessor", "POST", f"{path}/assessment", assessment).status_code in (409, 422)
    before = ledger.recorder.max_notification_id()
    assert actors.call("unassigned", "POST", f"{path}/accept", {"declaration": ""}).status_code == 404
    assert actors.call("assessor2", "POST", f"{path}/decline", {"reason": "Mine?"}).status_code == 404
    assert actors.call("registrar", "POST", f"{path}/accept", {"declaration": ""}).status_code == 403
    missing = actors.call("assessor", "POST", f"{path}/decline", {})
    assert missing.status_code == 422 and "reason" in missing.text
    blank = actors.call("assessor", "POST", f"{path}/decline", {"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.text
    long = actors.call("assessor", "POST", f"{path}/accept", {"declaration": "x" * 2001})
    assert long.status_code == 422 and "declaration" in long.text
    wrong = actors.call("assessor", "POST", f"{path}/accept", {"declaration": ["a list"]})
    assert wrong.status_code == 422
    assert ledger.recorder.max_notification_id() == before
    actors.ok("assessor", "POST", f"{path}/decline", {"reason": "I employ the applicant."})
    assert actors.ok("assessor", "GET", "/api/assignments") == []
    assert actors.call("assessor", "GET", path).status_code == 404  # released: no longer theirs
    again = actors.call("registrar", "POST", f"{path}/assign", {"assessor_id": str(actors.assessors[0])})
    assert again.status_code in (409, 422) and "conflict" in again.text


def test_an_assessor_reads_no_evidence_before_accepting(actors):
    """Declaring a conflict is meaningful only before the evidence is seen: until the assessor accepts, the API's
    application (with its written evidence), its file list and each file answer 404 to them, as on their page."""
    from tests.builders.evidence_files import PDF

    application = actors.ok(
        "registrant",
        "POST",
        "/api/applications",
        {"level": "RCT", "route": "standard", "qualification": QUALIFICATION[3]},
    )["id"]
    path = f"/api/applications/{application}"
    for area in ("A", "B", "C", "D", "E"):
        actors.ok("registrant", "POST", f"{path}/evidence", {"area": area, "text": f"Private work {area}."})
    uploaded = actors.client.post(
        f"{path}/files",
        data={"area": "A"},
        files={"file": ("plot.pdf", PDF, "application/pdf")},
        headers=actors.headers("registrant"),
    )
    assert uploaded.status_code == 200, uploaded.text
    file_id = actors.ok("registrant", "GET", f"{path}/files")[0]["id"]
    actors.ok("registrant", "POST", f"{path}/submit")
    actors.ok("registrar", "POST", f"{path}/assign", {"assessor_id": str(actors.assessors[0])})

    for asked in (path, f"{path}/files", f"{path}/files/{file_id}"):
        answer = actors.call("assessor", "GET", asked)
        assert answer.status_code == 404, (asked, answer.status_code)
        assert "Private work" not in answer.text and "%PDF" not in answer.text
    actors.ok("assessor", "POST", f"{path}/accept", {"declaration": ""})
    assert "Private work A." in actors.call("assessor", "GET", path).text
    assert actors.call("assessor", "GET", f"{path}/files/{file_id}").content == PDF
