"""Evidence files through the Ledger's commands, on SQLite and PostgreSQL: attached, read back as sent, listed;
refused when they are not what they claim, too large, too many, or too late; stored once, sealed, and gone for good
when their owner is erased."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.app.evidence_files import FileGone
from ledger.domain.errors import InvalidInput, NotFound, RuleBroken
from ledger.read.evidence_files import ERASED_NAME, files_of
from ledger.settings import Settings
from tests.builders import evidence_files as made
from tests.builders.records import assessors, enrol, start
from tests.conftest import MASTER_KEY


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Every Ledger here keeps its files under this test's own folder (on PostgreSQL too)."""
    return Settings(database_url=database_url, master_key=MASTER_KEY, evidence_dir=str(tmp_path / "evidence"))


def stored_files(ledger) -> list[Path]:
    root = ledger.settings.evidence_path
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def draft(ledger, name: str = "Ada Applicant"):
    registrant = enrol(ledger, name)
    return registrant, start(ledger, registrant)


def test_a_pdf_and_a_png_come_back_as_they_were_sent(ledger):
    _, application = draft(ledger)
    pdf = ledger.attach_file(application, "A", "Rigging plan.pdf", made.PDF)
    image = ledger.attach_file(application, "B", "desk.png", made.png())
    assert ledger.evidence_file(application, pdf).content == made.PDF
    back = ledger.evidence_file(application, image)
    assert (back.name, back.media_type, back.area, back.content) == ("desk.png", "image/png", "B", made.png())
    listed = files_of(ledger, application)
    assert [(f["area"], f["name"], f["media_type"], f["bytes"]) for f in listed] == [
        ("A", "Rigging plan.pdf", "application/pdf", len(made.PDF)),
        ("B", "desk.png", "image/png", len(made.png())),
    ]
    assert listed[0]["size"] == f"{len(made.PDF)} bytes" and listed[0]["added"] == ledger.clock.today()


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("notes.txt", made.TEXT, "text/plain"),
        ("photo.JPG", made.JPEG, "image/jpeg"),
        ("photo.jpeg", made.JPEG, "image/jpeg"),
        ("cv.docx", made.docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("cv.odt", made.odt(), "application/vnd.oasis.opendocument.text"),
        ("scan", made.PDF, "application/pdf"),  # no extension: the content's is added
    ],
)
def test_each_kind_taken_is_known_by_its_content(ledger, name, content, media_type):
    _, application = draft(ledger)
    found = ledger.evidence_file(application, ledger.attach_file(application, "A", name, content))
    assert found.media_type == media_type
    assert found.name == (name if "." in name else "scan.pdf")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("cv.pdf", made.EXECUTABLE, "its name ends .pdf but its content is not PDF"),
        ("cv.pdf", made.ELF, "its content is not PDF"),
        ("cv.pdf", made.HTML, "its content is not PDF"),
        ("notes.txt", made.HTML, "its content is not plain text"),
        ("drawing.txt", made.SVG, "its content is not plain text"),
        ("photo.png", made.PDF, "its name ends .png (PNG image) but its content is a PDF"),
        ("cv.docx", made.docx(macros=True), "its content is not Word document"),
        ("cv.docx", made.plain_zip(), "its content is not Word document"),
        ("setup.exe", made.PDF, "a .exe file cannot be taken"),
        ("page.html", made.HTML, "a .html file cannot be taken"),
        ("payload", made.EXECUTABLE, "its content is not any of PDF"),
        ("empty.pdf", b"", "the file is empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_stored(ledger, name, content, says):
    _, application = draft(ledger)
    before = ledger.recorder.max_notification_id()
    with pytest.raises(InvalidInput) as refused:
        ledger.attach_file(application, "A", name, content)
    assert refused.value.field == "file" and says in refused.value.message
    assert ledger.recorder.max_notification_id() == before
    assert stored_files(ledger) == [] and files_of(ledger, application) == []


def test_limits_name_themselves_and_store_nothing(make_ledger, settings):
    ledger = make_ledger(settings=replace(settings, evidence_max_mb=1, evidence_max_files=2, evidence_max_total_mb=1))
    _, application = draft(ledger)
    too_big = made.PDF + b"\0" * (1024 * 1024)
    with pytest.raises(InvalidInput, match=r"the file is 1\.0 MB; a file may be at most 1 MB"):
        ledger.attach_file(application, "A", "big.pdf", too_big)
    assert stored_files(ledger) == []
    ledger.attach_file(application, "A", "one.pdf", made.PDF + b"\0" * 600_000)
    with pytest.raises(InvalidInput, match=r"would come to 1\.1 MB; they may come to at most 1 MB in all"):
        ledger.attach_file(application, "B", "two.pdf", made.PDF + b"\1" * 600_000)
    ledger.attach_file(application, "B", "two.pdf", made.PDF)
    with pytest.raises(InvalidInput, match="holds at most 2 files: remove one first"):
        ledger.attach_file(application, "C", "three.png", made.png())
    assert len(stored_files(ledger)) == 2


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\win.ini.txt", "win.ini.txt"),
        ("/var/lib/regledger/master.key.txt", "master.key.txt"),
        ("..", "file.txt"),
        ("....txt", "txt.txt"),
        ("re\u202eport\u200b\x00\n.txt", "report.txt"),
        ("  spaced   out  name .txt", "spaced out name .txt"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_a_name_keeps_no_path_and_no_hidden_characters(ledger, sent, kept):
    _, application = draft(ledger)
    file_id = ledger.attach_file(application, "A", sent, made.TEXT)
    assert ledger.evidence_file(application, file_id).name == kept
    root = ledger.settings.evidence_path.resolve()
    assert all(root in p.resolve().parents for p in stored_files(ledger))


def test_the_area_must_be_one_the_level_assesses(ledger):
    _, application = draft(ledger)
    with pytest.raises(InvalidInput) as refused:
        ledger.attach_file(application, "Z", "cv.pdf", made.PDF)
    assert refused.value.field == "area"
    assert stored_files(ledger) == []


def test_the_same_file_twice_is_stored_once_and_goes_with_its_last_use(ledger):
    _, application = draft(ledger)
    first = ledger.attach_file(application, "A", "cv.pdf", made.PDF)
    second = ledger.attach_file(application, "B", "cv again.pdf", made.PDF)
    assert len(stored_files(ledger)) == 1
    with pytest.raises(InvalidInput, match="already attached for area A"):
        ledger.attach_file(application, "A", "cv (1).pdf", made.PDF)
    ledger.remove_file(application, first)
    assert len(stored_files(ledger)) == 1 and ledger.evidence_file(application, second).content == made.PDF
    ledger.remove_file(application, second)
    assert stored_files(ledger) == [] and files_of(ledger, application) == []
    with pytest.raises(NotFound):
        ledger.evidence_file(application, second)
    with pytest.raises(NotFound, match="no such file"):
        ledger.remove_file(application, second)


def test_two_people_with_the_same_file_each_have_their_own_sealed_copy(ledger):
    _, mine = draft(ledger, "Ada Applicant")
    _, theirs = draft(ledger, "Otto Other")
    ledger.attach_file(mine, "A", "cv.pdf", made.PDF)
    ledger.attach_file(theirs, "A", "cv.pdf", made.PDF)
    copies = stored_files(ledger)
    assert len(copies) == 2 and copies[0].read_bytes() != copies[1].read_bytes()
    assert all(made.PDF not in p.read_bytes() and b"%PDF" not in p.read_bytes() for p in copies)  # sealed at rest


def test_files_count_as_evidence_and_are_fixed_once_submitted(ledger):
    _, application = draft(ledger)
    areas = [a.code for a in ledger.framework.required_areas("RCT")]
    for area in areas[1:]:
        ledger.add_evidence(application, area, f"Work for {area}.")
    with pytest.raises(RuleBroken, match="evidence is missing"):
        ledger.submit_application(application)
    kept = ledger.attach_file(application, areas[0], "portfolio.pdf", made.PDF)  # a file is evidence for its area
    ledger.submit_application(application)
    with pytest.raises(RuleBroken, match="files can be added to a draft"):
        ledger.attach_file(application, "B", "late.png", made.png())
    with pytest.raises(RuleBroken, match="files can be removed only before the application is submitted"):
        ledger.remove_file(application, kept)
    ledger.request_information(application, "Please show the rig plan.", "registrar")
    more = ledger.attach_file(application, "B", "rig plan.png", made.png())  # asked for more: it may be a file
    with pytest.raises(RuleBroken, match="only before the application is submitted"):
        ledger.remove_file(application, more)
    assert {f["name"] for f in files_of(ledger, application)} == {"portfolio.pdf", "rig plan.png"}


def test_erasure_makes_the_files_unreadable_and_removes_them(ledger):
    registrant, application = draft(ledger)
    file_id = ledger.attach_file(application, "A", "cv.pdf", made.PDF)
    (kept,) = stored_files(ledger)
    copy = kept.read_bytes()  # a copy made before the erasure (a backup of the folder, say)
    ledger.erase(registrant, by="registrar")
    assert stored_files(ledger) == []
    with pytest.raises(FileGone):
        ledger.evidence_file(application, file_id)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(copy)  # the copy put back: still nothing can open it, its key is shredded
    with pytest.raises(FileGone):
        ledger.evidence_file(application, file_id)
    assert files_of(ledger, application)[0]["name"] == ERASED_NAME


def test_a_content_swapped_on_disk_is_not_given_out(ledger):
    _, application = draft(ledger)
    pdf = ledger.attach_file(application, "A", "cv.pdf", made.PDF)
    image = ledger.attach_file(application, "B", "desk.png", made.png())
    first, second = stored_files(ledger)
    first_bytes, second_bytes = first.read_bytes(), second.read_bytes()
    first.write_bytes(second_bytes)  # both sealed by the same person's key: only the digest tells them apart
    second.write_bytes(first_bytes)
    for file_id in (pdf, image):
        with pytest.raises(FileGone, match="does not match"):
            ledger.evidence_file(application, file_id)


def test_the_files_replay_from_the_events(make_ledger, ledger):
    _, application = draft(ledger)
    kept = ledger.attach_file(application, "A", "cv.pdf", made.PDF)
    gone = ledger.attach_file(application, "B", "old.png", made.png())
    ledger.remove_file(application, gone)
    again = make_ledger()  # a second process on the same store
    assert list(again.application(application).files) == [kept]
    assert again.evidence_file(application, kept).content == made.PDF
    assert [f["id"] for f in files_of(again, application)] == [str(kept)]


def test_an_assessor_assigned_changes_nothing_about_the_files(ledger):
    """The files stay with the application through assignment: the rule of who may read them is the web's."""
    _, application = draft(ledger)
    for area in ledger.framework.required_areas("RCT"):
        ledger.add_evidence(application, area.code, "Work.")
    kept = ledger.attach_file(application, "A", "cv.pdf", made.PDF)
    ledger.submit_application(application)
    ledger.assign_assessor(application, assessors(ledger, 1)[0], "No conflict.")
    assert ledger.evidence_file(application, kept).content == made.PDF
