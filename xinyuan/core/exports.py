"""Spreadsheet exports that cannot be turned into formulas (CSV injection)."""

import csv
import io
import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# Control characters XML 1.0 forbids (openpyxl refuses them: one in a centre's name or a
# trainer's would make the whole workbook fail).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value) -> str:
    text = CONTROL_CHARACTERS.sub("", "" if value is None else str(value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_bytes(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    # UTF-8 with BOM so that spreadsheet programs show Chinese correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# The CJK fonts a printed page (WeasyPrint) asks for, in order: Debian's fonts-noto-cjk first.
PDF_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei"'
