"""Text as it enters the register: normalised (NFC) and visible. One rule for every text field, on the API and the
pages (the commands apply it; a refusal is an ``InvalidInput`` naming the field).

Refused: control characters (in free text, line breaks and tabs are kept; ``\\r\\n`` becomes ``\\n``), invisible
formatting characters (bidi overrides and isolates, zero-width spaces, word joiners, byte-order marks), line and
paragraph separators, private-use, surrogate and unassigned code points. The zero-width joiner and non-joiner stay
where writing needs them: between two letters (Persian, Indic and other scripts join or part letters with them).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ledger.domain.errors import InvalidInput

INVISIBLE = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character (bidi or zero-width)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Co": "a private-use character",
    "Cs": "a lone surrogate",
    "Cn": "an unassigned character",
}
JOINERS = {"\u200c", "\u200d"}  # zero-width non-joiner and joiner: allowed between letters only
LINE_BREAKS = {"\n", "\t"}


def _letter(character: str) -> bool:
    return unicodedata.category(character)[0] in ("L", "M")


def clean_text(field: str, value: Any, *, max_length: int, required: bool = True, multiline: bool = True) -> str:
    """``value`` as stored: NFC, trimmed, every character visible (line breaks and tabs too when ``multiline``)."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(field, "must be given as text")
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n")).strip()
    if len(text) > max_length:
        raise InvalidInput(field, f"is too long ({len(text)} characters; at most {max_length})")
    for index, character in enumerate(text):
        if multiline and character in LINE_BREAKS:
            continue
        if character in JOINERS and 0 < index < len(text) - 1 and _letter(text[index - 1]) and _letter(text[index + 1]):
            continue
        kind = INVISIBLE.get(unicodedata.category(character))
        if kind is not None:
            raise InvalidInput(
                field,
                f"contains {kind} (U+{ord(character):04X}) at position {index + 1}: give the "
                "text as it should be read, without hidden characters",
            )
    return text


def clean_name(field: str, value: Any, *, max_length: int) -> str:
    """A person's name as it will be shown and signed: one line, NFC, every character visible."""
    return clean_text(field, value, max_length=max_length, multiline=False)
