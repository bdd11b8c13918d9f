"""Bulk verification: the file in (header, encoding, limits, malformed CSV) is refused whole with the row and field
named; each row out says what the register says or why it could not be checked (malformed with the check-digit
explanation, unknown, erased); formula-looking values come back as text."""

from __future__ import annotations

import csv
import io

import pytest

from ledger.app.bulk_verify import MAX_ROWS, Asked, neutralised, parse_numbers, results_csv
from ledger.domain.errors import InvalidInput
from ledger.domain.regnumber import format_number
from tests.builders.records import assessors, awarded


def _refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as refused:
        parse_numbers(data)
    assert refused.value.field == "file"
    return refused.value.message


def test_rows_are_read_under_the_header_whatever_other_columns_there_are():
    data = "\ufeffName,Registration_Number\r\nJo,RG-0000001-15\r\n,\r\nSam, rg 0000002 \r\n\r\n".encode()
    assert parse_numbers(data) == [Asked(2, "RG-0000001-15"), Asked(4, "rg 0000002")]


def test_a_file_without_the_header_is_refused_naming_row_1():
    message = _refused(b"RG-0000001-15\nRG-0000002-12\n")
    assert message.startswith("row 1 must be a header naming the column registration_number")


def test_an_empty_file_or_a_header_alone_is_refused():
    assert "is empty" in _refused(b"")
    assert "no registration numbers" in _refused(b"registration_number\n\n")


def test_a_file_not_in_utf8_is_refused_naming_the_row():
    data = "registration_number\nRG-0000001-15\nCaf\u00e9\n".encode("latin-1")
    assert _refused(data) == 'row 3 is not UTF-8 text: save the file as "CSV UTF-8" and upload it again'


def test_too_many_rows_is_refused_naming_the_first_row_past_the_limit():
    rows = "\n".join(format_number(i + 1) for i in range(MAX_ROWS))
    assert len(parse_numbers(f"registration_number\n{rows}\n".encode())) == MAX_ROWS
    message = _refused(f"registration_number\n{rows}\nRG-0001001-00\n".encode())
    assert message == f"row {MAX_ROWS + 2}: at most 1,000 registration numbers at a time; split the file"


def test_too_large_a_file_is_refused():
    assert _refused(b"registration_number\n" + b"x" * 300 * 1024).startswith("is 300 KB; the limit is 256 KB")


def test_broken_quoting_and_nul_characters_are_refused_naming_the_row():
    assert _refused(b'registration_number\nRG-0000001-15\n"RG-0000002\n').startswith("row ")
    assert _refused(b"registration_number\nRG-0000001-15\nRG\x00\n") == (
        "row 3 holds a NUL character: this is not a CSV file"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tRG", "'\tRG"),
        ("RG-0000001-15", "RG-0000001-15"),
        ("O'Brien", "O'Brien"),
    ],
)
def test_formula_starts_are_neutralised(value, shown):
    assert neutralised(value) == shown


def test_every_reason_and_a_found_row(ledger):
    pair = assessors(ledger)
    jo, jo_number = awarded(ledger, "Jo Bloggs", pair=pair)
    gone, gone_number = awarded(ledger, "Erin Erased", pair=pair)
    ledger.erase(gone, "registrar")
    at = next(i for i in range(3, 9) if jo_number[i] != jo_number[i + 1])  # two different adjacent digits
    swapped = jo_number[:at] + jo_number[at + 1] + jo_number[at] + jo_number[at + 2 :]  # swapped
    unknown = format_number(9_999_999)
    data = (
        "registration_number\n"
        f"{jo_number.lower()}\n{swapped}\n{unknown}\n{gone_number}\n"
        '"=HYPERLINK(""http://evil.example"",""Click"")"\nnot a number\n'
    ).encode()
    rows = list(csv.DictReader(io.StringIO(ledger.verify_csv(data))))
    assert [r["row"] for r in rows] == ["2", "3", "4", "5", "6", "7"]
    found, digits, missing, erased, formula, words = rows
    assert found["found"] == "yes" and found["registration_number"] == jo_number
    assert (found["name"], found["level"], found["status"]) == ("Jo Bloggs", "RCT", "registered")
    assert found["valid_until"] and found["checked_at"] and found["reason"] == ""
    assert digits["found"] == "no" and digits["name"] == ""
    assert digits["reason"].startswith("malformed: ") and "fails its check digits" in digits["reason"]
    assert "two digits are swapped" in digits["reason"]
    assert missing["reason"] == "unknown: no registration has this number"
    assert erased["found"] == "no" and erased["name"] == "" and erased["level"] == ""
    assert erased["reason"].startswith("erased: the holder's personal data was erased")
    assert formula["registration_number"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert formula["reason"].startswith("malformed: ")
    assert "expected RG, seven digits and two check digits" in words["reason"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values())


def test_the_results_file_neutralises_names_too():
    out = results_csv([{"row": 2, "registration_number": "RG-0000001-15", "name": "=cmd|' /C calc'!A0"}])
    assert list(csv.DictReader(io.StringIO(out)))[0]["name"] == "'=cmd|' /C calc'!A0"
