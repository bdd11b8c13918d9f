"""What an evidence file may be, judged by its content: the kinds accepted (PDF, PNG, JPEG, plain text, Word and
OpenDocument text), each recognised by its first bytes (and, for the two office formats, by the parts their ZIP
container must hold), never by the name or the type a browser claims; and the file's name as it will be shown,
cleaned of any path, hidden characters and excess length.

A file whose name promises one kind and whose content is another (``cv.pdf`` holding a web page or a program) is
refused, as is a Word file that carries macros and plain text that is really a web page: a file is downloaded by
assessors, so it must be what it says it is."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from ledger.domain.errors import InvalidInput

MAX_FILE_NAME = 120
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    media_type: str
    words: str  # how a page names it
    extensions: tuple[str, ...]  # the first is added to a name that has none


KINDS = (
    Kind("application/pdf", "PDF", (".pdf",)),
    Kind("image/png", "PNG image", (".png",)),
    Kind("image/jpeg", "JPEG image", (".jpg", ".jpeg")),
    Kind("text/plain", "plain text", (".txt",)),
    Kind(DOCX, "Word document", (".docx",)),
    Kind(ODT, "OpenDocument text", (".odt",)),
)
BY_TYPE = {kind.media_type: kind for kind in KINDS}
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
ACCEPT = ",".join([*BY_EXTENSION, *BY_TYPE])
"""The ``accept`` attribute of a file input: every extension and media type taken."""
KINDS_IN_WORDS = "PDF, PNG, JPEG, plain text (.txt), Word (.docx) or OpenDocument text (.odt)"

_MARKUP = re.compile(rb"^\s*(<!doctype|<html|<head|<body|<script|<svg|<\?xml|<iframe|<object|<meta)", re.IGNORECASE)
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, line feed, form feed, carriage return


def kind_of(content: bytes) -> Kind | None:
    """The kind of file ``content`` is, from its own bytes; None if it is none of the kinds taken."""
    if content.startswith(b"%PDF-"):
        return BY_TYPE["application/pdf"]
    if content.startswith(b"\x89PNG\r\n\x1a\n") and content[12:16] == b"IHDR":
        return BY_TYPE["image/png"]
    if content.startswith(b"\xff\xd8\xff"):
        return BY_TYPE["image/jpeg"]
    if content.startswith(b"PK\x03\x04"):
        return _office_kind(content)
    if _is_plain_text(content):
        return BY_TYPE["text/plain"]
    return None


def _office_kind(content: bytes) -> Kind | None:
    """A Word (OOXML) or OpenDocument text file: a ZIP holding the parts the format requires (only the names are
    read, and the few bytes of the OpenDocument ``mimetype`` part, so a ZIP bomb costs nothing). Macros refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared == ODT and "content.xml" in names and not any(n.startswith("Basic/") for n in names):
                    return BY_TYPE[ODT]
                return None
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                if any(n.lower().endswith("vbaproject.bin") for n in names):
                    return None  # a macro-enabled document renamed .docx
                return BY_TYPE[DOCX]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError, NotImplementedError):
        return None
    return None


def _is_plain_text(content: bytes) -> bool:
    """UTF-8 text with no control characters but line breaks and tabs, that is not a web page or an SVG in
    disguise."""
    if not content or _MARKUP.match(content[:1024].lstrip(b"\xef\xbb\xbf")):
        return False
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 32 and ord(c) not in _TEXT_CONTROLS or ord(c) == 127 for c in text)


def clean_file_name(value: object) -> str:
    """A file's name as it is kept and shown: its last path part only (``../../etc/passwd`` is ``passwd``; a
    Windows path's too), NFC, without control, bidi or zero-width characters or leading dots, at most
    ``MAX_FILE_NAME`` characters (the extension kept)."""
    if not isinstance(value, str):
        value = ""
    name = unicodedata.normalize("NFC", value).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] not in ("C", "Z") or c == " ")
    name = " ".join(name.split()).lstrip(". ").rstrip(". ")
    if len(name) > MAX_FILE_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_FILE_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_FILE_NAME].rstrip()
    return name or "file"


def checked_file(name: object, content: bytes) -> tuple[str, Kind]:
    """The cleaned name and the kind of an evidence file, or ``InvalidInput`` naming the file and why: not a kind
    taken, or a name whose extension promises another kind than the content is. A name with no extension gets the
    content's."""
    cleaned = clean_file_name(name)
    if not content:
        raise InvalidInput("file", "the file is empty: choose the file again")
    kind = kind_of(content)
    stem, dot, extension = cleaned.rpartition(".")
    claimed = BY_EXTENSION.get("." + extension.lower()) if dot and stem else None
    if dot and stem and claimed is None:
        raise InvalidInput("file", f"a .{extension} file cannot be taken: send {KINDS_IN_WORDS}")
    if kind is None:
        what = f"its name ends .{extension} but its content is not" if claimed else "its content is not"
        raise InvalidInput("file", f"{what} {claimed.words if claimed else 'any of ' + KINDS_IN_WORDS}")
    if claimed is not None and claimed is not kind:
        raise InvalidInput(
            "file", f"its name ends .{extension} ({claimed.words}) but its content is a {kind.words}: rename it"
        )
    if claimed is None:
        cleaned = (cleaned[: MAX_FILE_NAME - len(kind.extensions[0])] + kind.extensions[0]).lstrip(".") or "file"
    return cleaned, kind


def size_in_words(size: int) -> str:
    """A size as people read it: ``512 bytes``, ``340 KB``, ``1.2 MB``."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
