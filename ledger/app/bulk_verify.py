"""Checking many registration numbers at once: a CSV in, a CSV of results out, for organisations and the registrar.

The file in has a header row with a ``registration_number`` column (other columns are ignored, so a spreadsheet of
staff can be uploaded as it is), at most 1,000 rows after the header and 256 KB, in UTF-8 (a byte-order mark, as
Excel's "CSV UTF-8" writes, is fine). A file that breaks one of these is refused whole, with what is wrong and the
row it is on, and nothing is checked.

Each row out says what the public register says for that exact number (the same facts a search by number shows:
name, level, status, valid until), or why the row could not be checked: ``malformed`` (not a registration number,
or its check digits do not add up: a digit mistyped or two swapped), ``unknown`` (no registration has that
number) or ``erased`` (the holder's personal data was erased at their request: the register no longer says who held
it). Every cell that a spreadsheet would read as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) is written with a leading apostrophe, so a value like ``=HYPERLINK(...)`` comes back as text, never run
(OWASP's advice on CSV injection).

The facts are read from the aggregates (the number's claim, the registration, the registrant), so a check answers
with the register as it is now, not as a projection last saw it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.app.wiring import LedgerBase
from ledger.domain import regnumber
from ledger.domain.aggregates import Registrant, Registration, RegistrationNumberClaim
from ledger.domain.errors import InvalidInput, NotFound

HEADER = "registration_number"
MAX_ROWS = 1000
MAX_BYTES = 256 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("row", "registration_number", "found", "name", "level", "status", "valid_until", "checked_at", "reason")
REASONS = {
    "unknown": "no registration has this number",
    "erased": "the holder's personal data was erased at their request: the register no longer says who held it",
}


@dataclass(frozen=True)
class Asked:
    """One row of the file in: its row number in the file (the header is row 1) and the value as given."""

    row: int
    value: str


def neutralised(value: str) -> str:
    """``value`` as a spreadsheet will show it and never run: text that would start a formula gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def parse_numbers(data: bytes) -> list[Asked]:
    """The rows of a bulk check file, or ``InvalidInput`` naming the row and field of the first thing wrong."""
    if len(data) > MAX_BYTES:
        raise InvalidInput("file", f"is {len(data) // 1024} KB; the limit is {MAX_BYTES // 1024} KB: split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise InvalidInput(
            "file", f'row {row} is not UTF-8 text: save the file as "CSV UTF-8" and upload it again'
        ) from None
    if "\x00" in text:
        row = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput("file", f"row {row} holds a NUL character: this is not a CSV file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise InvalidInput("file", f"is empty: the first row must be the header {HEADER}")
        names = [cell.strip().lower() for cell in header]
        if HEADER not in names:
            raise InvalidInput(
                "file",
                f"row 1 must be a header naming the column {HEADER} (found {', '.join(repr(h) for h in header[:5])})",
            )
        column = names.index(HEADER)
        asked: list[Asked] = []
        for cells in reader:
            row = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (spreadsheets leave them at the end)
            if len(asked) == MAX_ROWS:
                raise InvalidInput(
                    "file", f"row {row}: at most {MAX_ROWS:,} registration numbers at a time; split the file"
                )
            value = cells[column].strip() if column < len(cells) else ""
            asked.append(Asked(row, value))
    except csv.Error as error:
        raise InvalidInput("file", f"row {reader.line_num}: {error}") from None
    if not asked:
        raise InvalidInput("file", f"has a header but no registration numbers under {HEADER}")
    return asked


def results_csv(results: list[dict[str, Any]]) -> str:
    """The results as CSV, every cell neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for result in results:
        writer.writerow({k: neutralised("" if result.get(k) is None else str(result[k])) for k in COLUMNS})
    return out.getvalue()


class BulkVerify(LedgerBase):
    def verify_numbers(self, asked: list[Asked]) -> list[dict[str, Any]]:
        """What the register says of each row (see the module's docstring), all checked at one moment."""
        checked_at = self._now()
        return [self._verify_one(item, checked_at) for item in asked]

    def verify_csv(self, data: bytes) -> str:
        """A file in, the results file out (``InvalidInput`` for a file refused whole)."""
        return results_csv(self.verify_numbers(parse_numbers(data)))

    def _verify_one(self, item: Asked, checked_at: datetime) -> dict[str, Any]:
        result: dict[str, Any] = {
            "row": item.row,
            "registration_number": item.value,
            "found": "no",
            "checked_at": checked_at.isoformat(timespec="seconds"),
        }
        if not item.value:
            return {**result, "reason": f"malformed: the {HEADER} cell is empty"}
        try:
            number = regnumber.parse_number(item.value)
        except regnumber.InvalidRegistrationNumber as error:
            return {**result, "reason": f"malformed: {error}"}
        try:
            claim = self._get(RegistrationNumberClaim, RegistrationNumberClaim.id_for(number), "registration")
            registration = self._get(Registration, claim.registration_id, "registration")
        except NotFound:
            return {**result, "reason": "unknown: " + REASONS["unknown"]}
        if registration.status is None:  # numbered, never awarded a level: not on the public register
            return {**result, "reason": "unknown: " + REASONS["unknown"]}
        registrant = self._get(Registrant, registration.registrant_id, "registrant")
        name = None if registrant.erased else self.vault.open(registrant.name)
        if name is None:
            return {**result, "reason": "erased: " + REASONS["erased"]}
        return {
            **result,
            "registration_number": number,
            "found": "yes",
            "name": name,
            "level": registration.level,
            "status": str(registration.status),
            "valid_until": registration.valid_until.isoformat() if registration.valid_until else "",
            "reason": "",
        }
