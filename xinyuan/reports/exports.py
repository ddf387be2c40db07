"""The work report as the official form's five tables, and as Excel and PDF files.

The page, the Excel file and the PDF all print ``tables(report)``: one list of rows, so the
three cannot disagree. The files are always in Chinese (the form is a Chinese official form);
the page follows the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xinyuan.core.exports import PDF_FONTS, safe_cell
from xinyuan.hotline import taxonomy
from xinyuan.reports.selectors.work_report import (
    WorkReport,
    complaint_labels,
    problem_labels,
    qualification_labels,
    topic_labels,
)

FORM_LANGUAGE = "zh-hans"
# Noto Sans CJK (Debian's fonts-noto-cjk) draws the Chinese; WeasyPrint embeds the glyphs used.


@dataclass
class Table:
    key: str  # basic, service, problems, staff, training
    title: str  # the sheet's name
    header: tuple[str, str]
    rows: Sequence[tuple[str, object]]  # (label, value): value an int, a Decimal, a rate or text


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def sign_off_text(report: WorkReport) -> str:
    if report.sign_off is None:
        return ""
    signed_at = timezone.localtime(report.sign_off.signed_at)
    return _("%(name)s, signed in the platform on %(when)s") % {
        "name": report.sign_off.signed_by.get_full_name() or report.sign_off.signed_by.username,
        "when": formats.date_format(signed_at, "Y-m-d H:i"),
    }


def tables(report: WorkReport) -> list[Table]:
    """The form's five tables in the active language."""
    period = report.period
    basic = [
        (_("Reporting unit"), report.unit_name),
        (_("Period"), f"{period.first:%Y-%m-%d} — {period.last:%Y-%m-%d}"),
        (_("Hotline number"), "、".join(report.hotline_numbers)),
        (_("Number of lines"), report.line_count),
        (_("Service hours"), "；".join(report.service_hours)),
    ]
    if len(report.centres) > 1 or report.unit_name not in report.centres:
        basic.append((_("Centres included"), "、".join(report.centres)))
    basic += [
        (_("Filled in by"), ""),
        (_("Director's signature"), sign_off_text(report)),
        (_("Date filled in"), ""),
        (_("Opinion of the reviewing department"), ""),
        (_("Reviewed by"), ""),
        (_("Date reviewed"), ""),
    ]
    s = report.service
    service = [
        (_("Total calls offered"), s.calls_offered),
        (_("Calls handled"), s.calls_handled),
        (_("Answer rate"), rate_text(s.answer_rate)),
        (_("Local calls"), s.local_calls),
        (_("Non-local calls"), s.non_local_calls),
        (_("High-crisis calls"), s.high_crisis),
        (_("Difficult calls"), s.difficult),
        (_("Repeated calls"), s.repeated),
        (_("Contacts recorded (all channels)"), s.contacts),
    ]
    labels = problem_labels()
    problems = [(labels[row], report.problems.rows[row]) for row in taxonomy.REPORT_ROWS]
    problems.append((_("Not coded"), report.problems.uncoded))
    st = report.staff
    qualifications = qualification_labels()
    staff = [
        (_("Hotline staff"), st.total),
        (_("Full-time"), st.full_time),
        (_("Part-time"), st.part_time),
    ]
    staff += [
        (_("Qualification: %(name)s") % {"name": qualifications.get(code, code)}, n)
        for code, n in sorted(
            st.by_qualification.items(),
            key=lambda i: list(qualifications).index(i[0]) if i[0] in qualifications else 99,
        )  # fmt: skip
    ]
    staff += [
        (
            _("Part-timers from: %(place)s") % {"place": _place_label(place)},
            n,
        )
        for place, n in st.part_time_sources
    ]
    t = report.training
    topics = topic_labels()
    training = [
        (_("Training sessions"), t.sessions),
        (_("Training hours"), t.session_hours),
        (_("People trained"), t.people_trained),
        (_("Person-hours of training"), t.person_hours),
    ]
    training += [
        (_("Content: %(topic)s") % {"topic": topics.get(code, code)}, n)
        for code, n in sorted(
            t.topics.items(), key=lambda i: list(topics).index(i[0]) if i[0] in topics else 99
        )  # fmt: skip
    ]
    item, count, value = _("Item"), _("Number"), _("Value")
    return [
        Table("basic", _("Basic information"), (item, _("Content")), basic),
        Table("service", _("Service"), (item, value), service),
        Table("problems", _("Problem types"), (_("Problem type"), count), problems),
        Table("staff", _("Staff"), (item, _("People")), staff),
        Table("training", _("Training"), (item, value), training),
    ]


def signed_figures(report: WorkReport) -> list:
    """The figures a director signs: every table of the form but the basic information (whose
    signature line depends on the sign-off itself), and the complaints, in the form's language,
    as [[table, [[label, value], …]], …] with the values as printed (text)."""
    with translation.override(FORM_LANGUAGE):
        result = [
            [table.key, [[str(label), _cell_text(value)] for label, value in table.rows]]
            for table in tables(report)
            if table.key != "basic"
        ]
        result.append(
            ["complaints", [[str(label), _cell_text(n)] for label, n in complaint_rows(report)]]
        )
    return result


def _cell_text(value) -> str:
    return str(value)


def figures_digest(figures: list) -> str:
    import hashlib
    import json

    canonical = json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def changes_since_sign_off(report: WorkReport) -> list[tuple[str, str, str]]:
    """(label, signed, now) for every figure of the form that differs from what the director
    signed (a contact of the period edited, deleted or added since): "—" where a row was not
    there. Empty when nothing changed, or the period is not signed."""
    if report.sign_off is None or not report.sign_off.figures:
        return []

    def flat(figures) -> dict[tuple[str, str], str]:
        return {(key, label): value for key, rows in figures for label, value in rows}

    signed, now = flat(report.sign_off.figures), flat(signed_figures(report))
    return [
        (label, signed.get((key, label), "—"), now.get((key, label), "—"))
        for key, label in list(dict.fromkeys([*signed, *now]))
        if signed.get((key, label)) != now.get((key, label))
    ]


def _place_label(place: str) -> str:
    from xinyuan.reports.rules import SMALL_GROUPS
    from xinyuan.reports.selectors.work_report import MIN_GROUP_FOR_REGION

    if place == SMALL_GROUPS:
        return _("other institutions (fewer than %(n)s each)") % {"n": MIN_GROUP_FOR_REGION}
    return place or pgettext("report", "Not recorded")


def complaint_rows(report: WorkReport) -> list[tuple[str, int]]:
    kinds, statuses = complaint_labels()
    c = report.complaints
    return (
        [(_("Received in the period"), c.total)]
        + [(label, c.by_kind.get(code, 0)) for code, label in kinds.items()]
        + [(label, c.by_status.get(code, 0)) for code, label in statuses.items()]
    )


def title(report: WorkReport) -> str:
    return _("Psychological-assistance hotline work report")


def filename(report: WorkReport, extension: str) -> str:
    """``<centre>-心理援助热线工作报表-2026-11.xlsx`` (the region's name for a region)."""
    with translation.override(FORM_LANGUAGE):
        return f"{report.unit_name}-{title(report)}-{report.period.label}.{extension}"


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int):
        return value
    return safe_cell(value)


def xlsx_bytes(report: WorkReport) -> bytes:
    """One sheet per table, Chinese headers, the title and period above each table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    with translation.override(FORM_LANGUAGE):
        book = Workbook()
        book.remove(book.active)
        heading = f"{title(report)}（{report.unit_name}，{report.period.label}）"
        for table in tables(report):
            sheet = book.create_sheet(table.title)
            sheet.append([heading])
            sheet["A1"].font = Font(bold=True, size=13)
            sheet.append(list(table.header))
            for cell in sheet[2]:
                cell.font = Font(bold=True)
            for label, value in table.rows:
                sheet.append([safe_cell(label), _cell(value)])
            sheet.column_dimensions["A"].width = 36
            sheet.column_dimensions["B"].width = 48
            for row in sheet.iter_rows(min_row=3):
                row[1].alignment = Alignment(horizontal="left")
        buffer = io.BytesIO()
        book.save(buffer)
    return buffer.getvalue()


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the work report PDF loads nothing from outside: {url}")


def pdf_bytes(report: WorkReport) -> bytes:
    """The printed form (A4), drawn by WeasyPrint with a CJK font that it embeds."""
    from weasyprint import HTML

    with translation.override(FORM_LANGUAGE):
        html = render_to_string(
            "reports/work_report_pdf.html",
            {
                "report": report,
                "title": title(report),
                "tables": tables(report),
                "fonts": PDF_FONTS,
                "definitions": definitions(),
                "printed_at": timezone.localtime(),
            },
        )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


def definitions() -> list[tuple[str, str]]:
    """How each figure is counted (docs/reports.md): footnotes of the page and the PDF."""
    from django.conf import settings

    return [
        (
            _("Total calls offered"),
            _(
                "Calls the telephone switch reported as offered to the hotline in the period. "
                "Calls handled: calls it reported as answered; when the switch reported no "
                "call, the phone contacts recorded, and the answer rate is shown as “—”."
            ),
        ),
        (
            _("Local / non-local calls"),
            _("Offered calls whose number is from the centre's own area, or from elsewhere."),
        ),
        (
            _("High-crisis calls"),
            _("Contacts whose last judged suicide-risk level is high or imminent."),
        ),
        (
            _("Difficult calls"),
            _(
                "Special calls handled by a protocol: silent calls, sexual harassment, and "
                "callers with a mental disorder (repeated callers are counted apart)."
            ),
        ),
        (
            _("Repeated calls"),
            _(
                "Contacts recorded as a repeated caller, or from a person marked as a "
                "repeated caller."
            ),
        ),
        (
            _("Problem types"),
            _(
                "Contacts by the coded problems' category (the rows of the form); a contact "
                "with problems in several rows counts in each."
            ),
        ),
        (
            _("Staff"),
            _("Active counsellors and supervisors of the centre today, by their profile."),
        ),
        (
            _("Training"),
            _(
                "Sessions the centre held in the period; people trained: everyone who "
                "completed a training in the period, at the centre or elsewhere."
            ),
        ),
        (
            _("Follow-up in time"),
            _(
                "High- or imminent-risk contacts of the period followed up within "
                "%(hours)s hours of the contact's start."
            )
            % {"hours": settings.FOLLOW_UP_WITHIN_HOURS},
        ),
        (
            _("Referrals"),
            _(
                "Contacts closed as referred to other services or as crisis intervention; "
                "emergency services contacted, by service. The platform keeps no separate "
                "referral record."
            ),
        ),
    ]
