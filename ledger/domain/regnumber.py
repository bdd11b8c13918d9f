"""Registration numbers: ``RG-1234567-89``, seven digits and two ISO 7064 MOD 97-10 check digits.

The check digits catch every single mistyped digit and every swap of two adjacent digits, so a client who types a
number from a CV into the register search is told it is not a valid number rather than shown somebody else.
"""

from __future__ import annotations

import re

PREFIX = "RG"
_SHAPE = re.compile(r"^\s*RG[\s-]*(\d{7})[\s-]*(\d{2})\s*$", re.IGNORECASE)


class InvalidRegistrationNumber(ValueError):
    pass


def check_digits(serial: str) -> str:
    return f"{98 - int(serial + '00') % 97:02d}"


def format_number(serial: int) -> str:
    if not 0 < serial < 10_000_000:
        raise ValueError(f"registration serial out of range: {serial}")
    digits = f"{serial:07d}"
    return f"{PREFIX}-{digits}-{check_digits(digits)}"


def parse_number(text: str) -> str:
    """The canonical form of a typed registration number, or ``InvalidRegistrationNumber`` saying what is wrong."""
    match = _SHAPE.match(text or "")
    if not match:
        raise InvalidRegistrationNumber(
            f"{text!r} is not a registration number: expected RG, seven digits and two check digits, like RG-0012345-67"
        )
    digits, check = match.groups()
    if int(digits + check) % 97 != 1:
        raise InvalidRegistrationNumber(
            f"{text!r} fails its check digits: a digit is probably mistyped or two digits are swapped"
        )
    return f"{PREFIX}-{digits}-{check}"


def looks_like_number(text: str) -> bool:
    return bool(_SHAPE.match(text or ""))
