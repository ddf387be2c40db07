"""The ``Content-Disposition`` of every download (RFC 6266, with RFC 5987's ``filename*``).

A file name often carries a label someone typed (a person's reference, a campaign's name): it
never goes into the header as it is. The header gets a plain ASCII fallback in quotes for old
clients and the full name, percent-encoded UTF-8, in ``filename*``; control characters, path
separators and quotes never survive into either.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

MAX_NAME = 120  # characters of the (readable) file name
_UNSAFE = re.compile(r'[\\/:*?"<>|;,]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _clean(filename: str) -> str:
    """The name without control characters, separators or quotes; never empty or dots only."""
    text = unicodedata.normalize("NFC", filename)
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text.strip("._- "):
        text = "download"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            text = text[:MAX_NAME]
    return text


def _ascii_fallback(name: str) -> str:
    fallback = _NOT_ASCII_SAFE.sub("_", name.replace(" ", "_")).strip("._")
    fallback = re.sub(r"_+", "_", fallback)
    if not fallback.strip("._-"):
        fallback = "download"
    stem, dot, ext = name.rpartition(".")
    ascii_ext = _NOT_ASCII_SAFE.sub("", ext)
    if dot and ascii_ext and not fallback.endswith("." + ascii_ext):
        fallback = f"{fallback}.{ascii_ext}"
    return fallback


def attachment(filename: str) -> str:
    """``attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>``."""
    name = _clean(filename)
    fallback, encoded = _ascii_fallback(name), quote(name, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
