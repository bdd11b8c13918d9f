"""QR badges for a badge URL: PNG or SVG, error correction M, never above version 15 (DESIGN: a QR code a phone
camera reads at arm's length from a printed card or a screen). Drawing is the ``qrcode`` library's."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.exceptions import DataOverflowError

MAX_VERSION = 15
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def _fitted(url: str, *, box_size: int = 8) -> qrcode.QRCode:
    if not isinstance(url, str) or not url:
        raise ValueError("a QR badge needs a non-empty URL")
    code = qrcode.QRCode(version=None, error_correction=ERROR_CORRECTION, box_size=box_size, border=BORDER)
    code.add_data(url)  # the library splits the data into numeric/alphanumeric/byte segments for the smallest code
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise ValueError(f"a {len(url)}-character URL does not fit any QR code at error correction M") from None
    return code


def qr_version(url: str) -> int:
    """The smallest QR version (1-40) that holds ``url`` at error correction M; may be above ``MAX_VERSION``."""
    version: int = _fitted(url).version  # qrcode has no type hints: its QRCode is Any to the checker
    return version


def _badge_code(url: str, box_size: int = 8) -> qrcode.QRCode:
    code = _fitted(url, box_size=box_size)
    if code.version > MAX_VERSION:
        raise ValueError(
            f"this badge URL ({len(url.encode('utf-8'))} bytes) needs QR version {code.version}; "
            f"a badge may use version {MAX_VERSION} at most (412 bytes at error correction M)"
        )
    return code


def qr_png(url: str, *, box_size: int = 8) -> bytes:
    """The QR badge as PNG bytes (black on white)."""
    image = _badge_code(url, box_size).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """The QR badge as a standalone SVG document: a white background and one black path; scales to any size."""
    image = _badge_code(url).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    svg: str = image.to_string(encoding="unicode")  # a str with encoding="unicode" (qrcode has no type hints)
    return svg
