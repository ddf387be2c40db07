"""The directory as an Excel file (.xlsx): the export, and reading a file to import.

The columns are ``rules.HEADERS`` (Chinese, whatever the page's language), one row per
institution; every cell of the export goes through ``core.exports.safe_cell`` (no formula)."""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _

from xinyuan.core.exports import safe_cell
from xinyuan.directory import rules
from xinyuan.directory.actions import ImportRefused
from xinyuan.directory.models import Institution

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row_of(institution: Institution) -> list[str]:
    values = {
        "name": institution.name,
        "kind": rules.kind_label_zh(institution.kind),
        "region": institution.region,
        "address": institution.address,
        "phone": institution.phone,
        "hours": institution.hours,
        "services": institution.services,
        "green_channel": rules.YES if institution.green_channel else rules.NO,
        "active": rules.ACTIVE if institution.active else rules.INACTIVE,
        "notes": institution.notes,
    }
    return [safe_cell(values[field]) for field in rules.FIELDS]


def xlsx_bytes(institutions) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "合作机构"
    sheet.append(list(rules.HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for institution in institutions:
        sheet.append(row_of(institution))
    for letter, width in zip("ABCDEFGHIJ", (28, 18, 18, 30, 18, 18, 36, 10, 8, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _unquote(value):
    """A cell the export protected against formulas (“'=…”) reads back as typed."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def read_rows(upload) -> list[tuple[int, tuple]]:
    """(row number, cells) of every non-empty row below the header of the first sheet; a file
    too large, not an .xlsx or with other columns is refused (``ImportRefused``)."""
    if upload.size > rules.MAX_IMPORT_BYTES:
        raise ImportRefused(
            [_("The file is larger than 2 MB. Split it and import the parts one by one.")]
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRefused(
            [_("This is not an Excel file (.xlsx). Start from the directory's export.")]
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, tuple]] = []
        header: tuple | None = None
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if header is None:
                header = tuple(rules.clean_text(c) for c in cells)
                expected = rules.HEADERS
                if header[: len(expected)] != expected:
                    raise ImportRefused(
                        [
                            _("The first row must be the columns %(columns)s, as in the export.")
                            % {"columns": "、".join(expected)}
                        ]
                    )
                continue
            cells = tuple(_unquote(c) for c in cells[: len(rules.FIELDS)])
            if all(rules.clean_text(c) == "" for c in cells):
                continue
            rows.append((number, cells))
            if len(rows) > rules.MAX_IMPORT_ROWS:
                break  # enough to say it is too long
        if header is None:
            raise ImportRefused([_("The file is empty.")])
        return rows
    finally:
        book.close()
