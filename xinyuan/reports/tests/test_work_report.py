"""The work report of November 2026 built from known data: the page, the Excel file, the PDF,
the JSON summary and a direct SQL count agree; the region officer sees the region aggregated
and no counsellor; others are refused."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from xinyuan.accounts.models import Employment, Qualification, User
from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import FollowUp, FollowUpStatus, Person
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.models import CallEvent, Contact, ContactType, Outcome
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact
from xinyuan.operations.models import Complaint, TrainingRecord, TrainingSession
from xinyuan.reports import exports, fonts, rules
from xinyuan.reports.access import access_reports
from xinyuan.reports.models import WorkReportSignOff
from xinyuan.reports.selectors import work_report as selectors

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = {"period": "month", "day": "2026-11-15"}
PAGE = "/reports/work-report/"
REPORT_PAGE = "/reports/"


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def move(contact: Contact, started_at: datetime, **fields) -> Contact:
    """Test data: put a contact built through the actions at a past time, with coded fields."""
    Contact.objects.filter(pk=contact.pk).update(started_at=started_at, **fields)
    contact.refresh_from_db()
    return contact


def build_november(p) -> dict:
    """Known November 2026 for the centre (and one contact of the other centre of the region).
    Returns what the figures must be."""
    # Phone contacts of the centre in November, with their types and problems.
    high = high_risk_contact(p.counsellor)
    move(high, at(3, 9), problem_codes=["suicide.ideation", "emotional.depressed"])
    hotline_actions.do_book_follow_up(actor=p.counsellor, contact=high, consent_given=True)
    FollowUp.objects.filter(contact=high).update(
        status=FollowUpStatus.DONE, done_at=at(3, 20), due_at=at(4, 9)
    )
    move(start_contact(p.counsellor), at(5, 23, 30), contact_type=ContactType.SILENT)
    move(
        start_contact(p.counsellor_b),
        at(12, 14),
        contact_type=ContactType.HARASSMENT,
        problem_codes=["sexual"],
    )
    person = Person.objects.create(organisation=p.org, label="P-1", is_repeated_caller=True)
    move(
        start_contact(p.counsellor_b),
        at(20, 8),
        person=person,
        problem_codes=["family.conflict", "family"],
        outcome=Outcome.REFERRED,
    )
    move(
        start_contact(p.counsellor),
        at(30, 23, 59),
        contact_type=ContactType.REPEATED,
        problem_codes=["marriage", "child_education"],
    )
    # A chat in November: a contact, not a call.
    move(start_contact(p.counsellor, channel="chat"), at(18, 16), problem_codes=["emotional"])
    # Just outside November, in Shanghai time (UTC would put the first one inside).
    move(start_contact(p.counsellor), at(31, 23, 59, month=10))
    move(start_contact(p.counsellor), at(1, 0, 0, month=12))
    # The other centre of the region: one high-risk contact in November.
    move(high_risk_contact(p.outsider), at(10, 11))
    # The switch: 5 calls offered (3 local, 1 elsewhere, 1 unknown), 4 answered, 1 abandoned.
    for n, (is_local, area) in enumerate(
        [(True, "测试市"), (True, "测试市"), (True, "测试市"), (False, "远方省"), (None, "")]
    ):
        CallEvent.objects.create(
            organisation=p.org,
            call_ref=f"c{n}",
            kind="offered",
            occurred_at=at(2 + n),
            is_local=is_local,
            caller_area=area,
        )
        CallEvent.objects.create(
            organisation=p.org,
            call_ref=f"c{n}",
            kind="answered" if n < 4 else "abandoned",
            occurred_at=at(2 + n) + timedelta(seconds=20),
        )
    CallEvent.objects.create(
        organisation=p.org, call_ref="late", kind="offered", occurred_at=at(1, 0, 5, month=12)
    )
    # Staff: three who take contacts in the centre (the director is not hotline staff).
    User.objects.filter(pk=p.counsellor.pk).update(qualification=Qualification.COUNSELLOR)
    User.objects.filter(pk=p.counsellor_b.pk).update(
        qualification=Qualification.SOCIAL_WORKER,
        employment=Employment.PART_TIME,
        home_institution="市第一中学",
    )
    User.objects.filter(pk=p.supervisor.pk).update(qualification=Qualification.PSYCHIATRIST)
    # Training: two sessions in November, one in October; three records in November.
    crisis = TrainingSession.objects.create(
        organisation=p.org,
        title="危机干预",
        topic="crisis",
        held_on=date(2026, 11, 7),
        hours=Decimal("3.0"),
    )
    TrainingSession.objects.create(
        organisation=p.org,
        title="伦理",
        topic="ethics",
        held_on=date(2026, 11, 21),
        hours=Decimal("2.5"),
    )
    TrainingSession.objects.create(
        organisation=p.org,
        title="旧",
        topic="ethics",
        held_on=date(2026, 10, 31),
        hours=Decimal("9"),
    )
    for user, topic in (
        (p.counsellor, "crisis"),
        (p.counsellor_b, "crisis"),
        (p.counsellor, "ethics"),
    ):
        TrainingRecord.objects.create(
            organisation=p.org,
            user=user,
            session=crisis,
            topic=topic,
            hours=Decimal("3.0"),
            completed_on=date(2026, 11, 7),
        )
    Complaint.objects.create(
        organisation=p.org, kind="complaint", channel="phone", received_at=at(9), text="等太久"
    )
    Complaint.objects.create(
        organisation=p.org,
        kind="praise",
        channel="letter",
        received_at=at(19),
        text="谢谢",
        status="resolved",
    )
    return {
        "contacts": 6,
        "phone_contacts": 5,
        "calls_offered": 5,
        "calls_handled": 4,
        "answer_rate": 80.0,
        "local_calls": 3,
        "non_local_calls": 1,
        "high_crisis": 1,
        "difficult": 2,
        "repeated": 2,
        "problems": {
            "health": 0,
            "mental_illness": 0,
            "emotional": 2,
            "sexual": 1,
            "romantic": 0,
            "marriage": 1,
            "family": 1,
            "child_education": 1,
            "other": 1,
        },
        "uncoded": 1,
    }


def sql_count(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class WorkReportTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.expected = build_november(cls.p)

    def period(self):
        return rules.period_for("month", date(2026, 11, 1))

    def report(self, user=None):
        return selectors.work_report(access_reports(user or self.p.director), self.period())

    def test_the_figures_are_those_of_the_known_month(self):
        s = self.report().service
        e = self.expected
        self.assertEqual(
            (s.contacts, s.phone_contacts, s.calls_offered, s.calls_handled, s.answer_rate),
            (e["contacts"], e["phone_contacts"], e["calls_offered"], e["calls_handled"], 80.0),
        )
        self.assertEqual(
            (s.local_calls, s.non_local_calls, s.high_crisis, s.difficult, s.repeated),
            (3, 1, 1, 2, 2),
        )
        problems = self.report().problems
        self.assertEqual(problems.rows, e["problems"])
        self.assertEqual(problems.uncoded, 1)

    def test_staff_training_and_complaints_of_the_month(self):
        report = self.report()
        self.assertEqual(
            (report.staff.total, report.staff.full_time, report.staff.part_time), (3, 2, 1)
        )
        self.assertEqual(
            report.staff.by_qualification,
            {"counsellor": 1, "social_worker": 1, "psychiatrist": 1},
        )
        self.assertEqual(report.staff.part_time_sources, [("市第一中学", 1)])
        t = report.training
        self.assertEqual(
            (t.sessions, t.session_hours, t.topics), (2, Decimal("5.5"), {"crisis": 1, "ethics": 1})
        )
        self.assertEqual((t.people_trained, t.person_hours), (2, Decimal("9.0")))
        c = report.complaints
        self.assertEqual(
            (c.total, c.by_kind, c.by_status),
            (2, {"complaint": 1, "praise": 1}, {"received": 1, "resolved": 1}),
        )

    def test_without_switch_events_calls_handled_are_phone_contacts_and_the_rate_unknown(self):
        CallEvent.objects.all().delete()
        s = self.report().service
        self.assertEqual((s.calls_offered, s.calls_handled, s.answer_rate), (0, 5, None))
        self.assertEqual((s.local_calls, s.non_local_calls), (0, 0))
        rows = dict(exports.tables(self.report())[1].rows)
        self.assertEqual(rows["Answer rate"] if "Answer rate" in rows else rows["接通率"], "—")

    def test_the_service_hours_are_the_centres_windows_in_words_once_set(self):
        from datetime import time

        from xinyuan.operations.actions import rota

        profile = [self.p.org.hotline_hours] if self.p.org.hotline_hours else []
        self.assertEqual(self.report().service_hours, profile, "the profile's text until then")
        rota.do_set_round_the_clock(actor=self.p.director, min_seats=2)
        self.assertEqual(self.report().service_hours, ["每天 00:00–24:00"])
        for window in list(self.p.org.service_windows.filter(weekday__in=[5, 6])):
            rota.do_remove_service_window(actor=self.p.director, window=window)
        rota.do_add_service_window(
            actor=self.p.director, weekday=5, starts_at=time(9), ends_at=time(17), min_seats=2
        )
        self.assertEqual(
            self.report().service_hours,
            ["星期一、星期二、星期三、星期四、星期五 00:00–24:00；星期六 09:00–17:00"],
        )

    def test_an_empty_period_is_all_zero(self):
        report = selectors.work_report(
            access_reports(self.p.director), rules.period_for("month", date(2025, 3, 1))
        )
        self.assertEqual(report.service.contacts, 0)
        self.assertIsNone(report.service.answer_rate)
        self.assertEqual(sum(report.problems.rows.values()), 0)
        self.assertEqual((report.training.sessions, report.complaints.total), (0, 0))

    def test_control_characters_in_what_staff_typed_do_not_break_the_excel_file(self):
        from openpyxl import load_workbook

        from xinyuan.accounts.models import User

        User.objects.filter(pk=self.p.counsellor.pk).update(
            employment="part_time", home_institution="某医院\x01\x07"
        )
        xlsx = client_for(self.p.director).get("/reports/work-report/xlsx", NOVEMBER)
        self.assertEqual(xlsx.status_code, 200)
        cells = [
            str(cell.value)
            for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        ]
        self.assertTrue(any("某医院" in text for text in cells), "the institution is kept")
        self.assertFalse(any("\x01" in text or "\x07" in text for text in cells))

    def test_excel_pdf_json_and_a_direct_sql_count_agree(self):
        ensure_cjk_font()
        client = client_for(self.p.director)
        # Direct SQL, by hand: the month in Shanghai time.
        adapt = connection.ops.adapt_datetimefield_value
        start, end = adapt(at(1, 0, 0)), adapt(at(1, 0, 0, month=12))
        org = self.p.org.pk
        contacts_sql = (
            "SELECT COUNT(*) FROM hotline_contact WHERE organisation_id = %s "
            "AND started_at >= %s AND started_at < %s"
        )
        high_sql = contacts_sql + " AND risk_level IN ('high', 'imminent')"
        offered_sql = (
            "SELECT COUNT(*) FROM hotline_callevent WHERE organisation_id = %s "
            "AND kind = 'offered' AND occurred_at >= %s AND occurred_at < %s"
        )
        sql = {
            "contacts": sql_count(contacts_sql, [org, start, end]),
            "high_crisis": sql_count(high_sql, [org, start, end]),
            "calls_offered": sql_count(offered_sql, [org, start, end]),
        }
        self.assertEqual(sql, {"contacts": 6, "high_crisis": 1, "calls_offered": 5})

        response = client.get(
            "/api/v1/reports/summary",
            {"from": "2026-11-01", "to": "2026-11-30", "group_by": "week"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        total = response.json()["total"]
        for name, value in sql.items():
            self.assertEqual(total["service"][name], value, name)
        self.assertEqual(total["service"]["answer_rate"], 80.0)
        self.assertEqual(total["problems"]["rows"], self.expected["problems"])
        weeks = response.json()["buckets"]
        self.assertEqual([w["first_day"] for w in weeks][:2], ["2026-11-01", "2026-11-02"])
        self.assertEqual(sum(w["service"]["contacts"] for w in weeks), sql["contacts"])
        self.assertEqual(sum(w["service"]["calls_offered"] for w in weeks), sql["calls_offered"])
        self.assertEqual(weeks[-1]["service"]["repeated"], 1, "23:59 on the 30th is in the last")

        from openpyxl import load_workbook

        xlsx = client.get("/reports/work-report/xlsx", NOVEMBER)
        self.assertEqual(xlsx.status_code, 200)
        self.assertIn(
            "filename*=UTF-8''%E6%B5%8B%E8%AF%95%E7%83%AD%E7%BA%BF-"
            "%E5%BF%83%E7%90%86%E6%8F%B4%E5%8A%A9%E7%83%AD%E7%BA%BF%E5%B7%A5%E4%BD%9C%E6%8A%A5%E8%A1%A8-2026-11.xlsx",
            xlsx["Content-Disposition"],
        )
        book = load_workbook(io.BytesIO(xlsx.content))
        self.assertEqual(
            book.sheetnames, ["基本信息", "服务情况", "问题类型", "人员情况", "培训情况"]
        )
        service = {
            row[0]: row[1] for row in book["服务情况"].iter_rows(min_row=3, values_only=True)
        }
        self.assertEqual(book["服务情况"]["A2"].value, "项目")
        self.assertEqual(service["总呼入量"], sql["calls_offered"])
        self.assertEqual(service["高危来电"], sql["high_crisis"])
        self.assertEqual(service["接待总数（全部渠道）"], sql["contacts"])
        self.assertEqual(service["接听量"], total["service"]["calls_handled"])
        self.assertEqual(service["接通率"], "80.0%")
        problems = {
            row[0]: row[1] for row in book["问题类型"].iter_rows(min_row=3, values_only=True)
        }
        self.assertEqual(problems["情绪问题"], total["problems"]["rows"]["emotional"])
        self.assertEqual(problems["婚姻问题"] if "婚姻问题" in problems else problems["婚姻"], 1)
        training = {
            row[0]: row[1] for row in book["培训情况"].iter_rows(min_row=3, values_only=True)
        }
        self.assertEqual(training["培训次数"], total["training"]["sessions"])
        self.assertEqual(training["培训人数"], 2)

        pdf = client.get("/reports/work-report/pdf", NOVEMBER)
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertIn("2026-11.pdf", pdf["Content-Disposition"])
        text = pdf_text(pdf.content)
        for heading in (
            "心理援助热线工作报表",
            "服务情况",
            "问题类型",
            "人员情况",
            "培训情况",
            "负责人签字",
            "审核部门意见",
        ):
            self.assertIn(heading, text)
        self.assertIn(f"总呼入量 {sql['calls_offered']}", text)
        self.assertIn(f"高危来电 {sql['high_crisis']}", text)
        self.assertIn(f"接待总数（全部渠道） {sql['contacts']}", text)
        self.assertIn("接通率 80.0%", text)

        events = AuditEvent.objects.filter(action="export", actor=self.p.director)
        self.assertEqual(
            sorted(e.changes["what"] for e in events), ["work_report_pdf", "work_report_xlsx"]
        )

    def test_the_pdf_draws_the_chinese_glyphs(self):
        ensure_cjk_font()
        content = exports.pdf_bytes(self.report())
        import pypdfium2 as pdfium

        page = pdfium.PdfDocument(content)[0]
        self.assertIn("Noto-Sans-CJK", font_name(page), "the CJK font is embedded in the file")
        scale = 2
        image = page.render(scale=scale).to_pil().convert("L")
        text_page = page.get_textpage()
        self.assertEqual(text_page.get_text_range(0, 10), "心理援助热线工作报表")
        page_height = page.get_height()

        def region(first: int, last: int):
            """The pixels of characters first…last (PDF boxes: origin bottom left)."""
            boxes = [text_page.get_charbox(i) for i in range(first, last + 1)]
            left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
            bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
            return image.crop(
                (
                    int(left * scale),
                    int((page_height - top) * scale),
                    int(right * scale) + 1,
                    int((page_height - bottom) * scale) + 1,
                )
            )

        def ink(pixels) -> float:
            data = pixels.tobytes()
            return sum(1 for value in data if value < 128) / max(len(data), 1)

        title = region(0, 9)
        self.assertGreater(ink(title), 0.05, "the title's characters are drawn")
        width, height = image.size
        blank = image.crop((0, height - 20, width, height))  # the bottom margin
        self.assertLess(ink(blank), 0.001)
        # Boxes for missing glyphs would all look alike: two different characters differ.
        self.assertNotEqual(
            region(0, 0).resize((24, 24)).tobytes(),
            region(1, 1).resize((24, 24)).tobytes(),
            "心 and 理 are different glyphs, not boxes",
        )

    def test_the_page_shows_the_same_figures_with_download_buttons(self):
        response = client_for(self.p.director).get(PAGE, NOVEMBER)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="download-xlsx"')
        self.assertContains(response, 'id="download-pdf"')
        self.assertContains(response, "/reports/work-report/xlsx?period=month&amp;day=2026-11-15")
        page = response.content.decode()
        service = page.split('data-testid="work-table-service"')[1].split("</table>")[0]
        self.assertIn("<td>总呼入量</td><td>5</td>", service)
        self.assertIn("<td>高危来电</td><td>1</td>", service)
        self.assertContains(response, "疑难来电")
        self.assertContains(response, 'data-testid="report-definitions"')

    def test_the_work_report_page_costs_a_fixed_number_of_queries(self):
        client = client_for(self.p.director)
        client.get(PAGE, NOVEMBER)  # warm the session
        with CaptureQueriesContext(connection) as first:
            client.get(PAGE, NOVEMBER)
        for _ in range(5):
            move(start_contact(self.p.counsellor), at(15))
        with self.assertNumQueries(len(first.captured_queries)):
            client.get(PAGE, NOVEMBER)
        self.assertLessEqual(len(first.captured_queries), 16)

    def test_the_report_page_costs_a_fixed_number_of_queries_and_shows_breakdowns(self):
        client = client_for(self.p.director)
        client.get(REPORT_PAGE, NOVEMBER)
        with CaptureQueriesContext(connection) as first:
            response = client.get(REPORT_PAGE, NOVEMBER)
        self.assertContains(response, 'data-testid="by-counsellor"')
        self.assertContains(response, "07号")
        self.assertContains(response, 'data-chart="hour-chart-data"')
        self.assertContains(response, "vendor/echarts/echarts.min.js")
        for _ in range(5):
            move(start_contact(self.p.counsellor_b), at(16))
        with self.assertNumQueries(len(first.captured_queries)):
            client.get(REPORT_PAGE, NOVEMBER)
        self.assertLessEqual(len(first.captured_queries), 30)

    def test_breakdowns_count_by_hour_area_outcome_and_follow_up_in_time(self):
        parts = selectors.breakdowns(access_reports(self.p.director), self.period())
        self.assertEqual(parts.by_hour[23], 2, "23:30 and 23:59 Shanghai time")
        self.assertEqual(parts.by_hour[9], 1)
        self.assertEqual(sum(parts.by_hour), 6)
        self.assertEqual(parts.by_area[0], ("测试市", 3))
        self.assertEqual(dict((c, n) for c, _l, n in parts.by_type)["silent"], 1)
        self.assertEqual(
            dict((c, n) for c, _l, n in parts.by_channel),
            {"phone": 5, "chat": 1, "walk_in": 0, "other": 0},
        )
        self.assertEqual(selectors.referral_count(parts.by_outcome), 1)
        self.assertEqual(
            (parts.follow_up.high_risk, parts.follow_up.booked, parts.follow_up.done_in_time),
            (1, 1, 1),
        )
        FollowUp.objects.update(done_at=at(4, 10))  # 25 hours after the contact started
        late = selectors.breakdowns(access_reports(self.p.director), self.period()).follow_up
        self.assertEqual((late.done_in_time, late.in_time_rate), (0, 0.0))
        self.assertEqual(
            sorted(parts.by_counsellor), [("07号", 4), ("08号", 2)], "aliases, never names"
        )


class RegionAndRefusalTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_november(cls.p)

    def test_the_region_officer_sees_the_region_aggregated_and_no_counsellor(self):
        scope = access_reports(self.p.officer)
        self.assertTrue(scope.is_region)
        report = selectors.work_report(scope, rules.period_for("month", date(2026, 11, 1)))
        self.assertEqual(report.service.contacts, 7, "both centres of the region")
        self.assertEqual(report.service.high_crisis, 2)
        self.assertEqual(report.unit_name, "测试市卫生健康委员会")
        client = client_for(self.p.officer)
        for url in (PAGE, REPORT_PAGE):
            response = client.get(url, NOVEMBER)
            self.assertEqual(response.status_code, 200, url)
            self.assertNotContains(response, 'data-testid="by-counsellor"')
            # Not even where one part-timer comes from: one person at a named school is a person.
            for name in ("07号", "08号", "99号", "counsellor_b", "市第一中学"):
                self.assertNotContains(response, name)
            self.assertNotContains(response, 'id="sign-off-button"')
        json = client.get("/api/v1/reports/summary", {"from": "2026-11-01", "to": "2026-11-30"})
        self.assertEqual(json.json()["total"]["service"]["contacts"], 7)
        self.assertNotIn("07号", json.content.decode())
        self.assertNotIn("市第一中学", json.content.decode())
        director_page = client_for(self.p.director).get(PAGE, NOVEMBER)
        self.assertContains(director_page, "市第一中学", msg_prefix="the centre's own director")
        xlsx = client.get("/reports/work-report/xlsx", NOVEMBER)
        self.assertIn(
            "%E6%B5%8B%E8%AF%95%E5%B8%82%E5%8D%AB%E7%94%9F%E5%81%A5%E5%BA%B7%E5%A7%94%E5%91%98%E4%BC%9A-",
            xlsx["Content-Disposition"],
        )

    def test_the_other_centres_director_sees_only_their_centre(self):
        from xinyuan.core.testing import make_user

        other_director = make_user("other_director", self.p.other_org, "director")
        json = client_for(other_director).get(
            "/api/v1/reports/summary", {"from": "2026-11-01", "to": "2026-11-30"}
        )
        self.assertEqual(json.json()["total"]["service"]["contacts"], 1)
        self.assertEqual(json.json()["centres"], ["其他热线"])

    def test_counsellors_supervisors_auditors_and_admins_are_refused(self):
        for user in (
            self.p.counsellor,
            self.p.supervisor,
            self.p.auditor,
            self.p.admin,
            self.p.outsider,
        ):
            client = client_for(user)
            for url in (PAGE, REPORT_PAGE, "/reports/work-report/xlsx", "/reports/work-report/pdf"):
                self.assertEqual(client.get(url, NOVEMBER).status_code, 403, (user.username, url))
            api = client.get("/api/v1/reports/summary", {"from": "2026-11-01", "to": "2026-11-30"})
            self.assertEqual(api.status_code, 403, user.username)
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())

    def test_a_wrong_period_gets_a_message_and_keeps_what_was_typed(self):
        client = client_for(self.p.director)
        response = client.get(
            PAGE, {"period": "custom", "day": "2026-11-20", "until": "2026-11-02"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "起始日期不能晚于截止日期", status_code=422)
        self.assertContains(response, 'value="2026-11-20"', status_code=422)
        api = client.get("/api/v1/reports/summary", {"from": "2026-11-20", "to": "2026-11-02"})
        self.assertEqual(api.status_code, 422)
        api = client.get(
            "/api/v1/reports/summary",
            {"from": "2026-11-01", "to": "2026-11-30", "group_by": "year"},
        )
        self.assertEqual(api.status_code, 422)
        api = client.get("/api/v1/reports/summary", {"from": "9999-12-01", "to": "9999-12-31"})
        self.assertEqual(api.status_code, 422, "the end of the calendar is refused, not a crash")
        page = client.get(PAGE, {"period": "month", "day": "9999-12-01"})
        self.assertEqual(page.status_code, 422)

    def test_the_director_signs_off_an_ended_month_once_and_it_shows_on_the_report(self):
        client = client_for(self.p.director)
        data = {"period": "month", "day": "2026-11-01", "until": "2026-11-30"}
        response = client.post("/reports/work-report/sign-off", data)
        self.assertEqual(response.status_code, 302)
        sign_off = WorkReportSignOff.objects.get()
        self.assertEqual(
            (sign_off.first_day, sign_off.last_day), (date(2026, 11, 1), date(2026, 11, 30))
        )
        self.assertTrue(
            AuditEvent.objects.filter(action="sign_off", actor=self.p.director).exists()
        )
        page = client.get(PAGE, NOVEMBER)
        self.assertContains(page, "已在平台签字确认")
        self.assertNotContains(page, 'id="sign-off-button"')
        client.post("/reports/work-report/sign-off", data)
        self.assertEqual(WorkReportSignOff.objects.count(), 1, "signed once")
        text = pdf_text(client.get("/reports/work-report/pdf", NOVEMBER).content)
        self.assertIn("director", text.split("负责人签字")[1][:80])
        for user in (self.p.officer, self.p.supervisor, self.p.counsellor):
            self.assertEqual(
                client_for(user).post("/reports/work-report/sign-off", data).status_code, 403
            )

    def test_the_signed_figures_are_frozen_and_later_changes_are_shown_against_them(self):
        from xinyuan.reports import exports

        client = client_for(self.p.director)
        data = {"period": "month", "day": "2026-11-01", "until": "2026-11-30"}
        client.post("/reports/work-report/sign-off", data)
        sign_off = WorkReportSignOff.objects.get()
        signed = {label: value for _key, rows in sign_off.figures for label, value in rows}
        self.assertEqual((signed["高危来电"], signed["疑难来电"]), ("1", "2"))
        self.assertEqual(sign_off.figures_sha256, exports.figures_digest(sign_off.figures))
        event = AuditEvent.objects.get(action="sign_off")
        self.assertIn(sign_off.figures_sha256, str(event.changes))
        page = client.get(PAGE, NOVEMBER)
        self.assertContains(page, sign_off.figures_sha256[:12])
        self.assertNotContains(page, 'data-testid="changed-since-sign-off"')
        # A contact of November is raised to high risk and another added after the sign-off.
        Contact.objects.filter(organisation=self.p.org, contact_type=ContactType.SILENT).update(
            risk_level="high"
        )
        move(start_contact(self.p.counsellor), at(16))
        page = client.get(PAGE, NOVEMBER)
        self.assertContains(page, 'data-testid="changed-since-sign-off"')
        self.assertContains(page, "高危来电: 签字时 1，现在 2")
        self.assertContains(page, "接待总数（全部渠道）: 签字时 6，现在 7")
        sign_off.refresh_from_db()
        self.assertEqual(
            {label: value for _key, rows in sign_off.figures for label, value in rows}, signed
        )
        english = client_for(self.p.director)
        english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.assertContains(english.get(PAGE, NOVEMBER), "signed 1, now 2")

    def test_a_month_not_yet_ended_cannot_be_signed_off(self):
        from django.core.exceptions import ValidationError
        from django.utils import timezone

        from xinyuan.reports.actions import do_sign_off_work_report

        with self.assertRaises(ValidationError):
            do_sign_off_work_report(
                actor=self.p.director, period=rules.period_for("month", timezone.localdate())
            )


def pdf_text(content: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def font_name(page) -> str:
    """The name of the font the first character on the page is drawn with."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    text_page = page.get_textpage()
    buffer = ctypes.create_string_buffer(200)
    flags = ctypes.c_int()
    length = pdfium_c.FPDFText_GetFontInfo(text_page.raw, 0, buffer, 200, ctypes.byref(flags))
    return buffer.raw[: max(length - 1, 0)].decode("utf-8", "replace")


def ensure_cjk_font() -> None:
    """The PDF needs a CJK font on the server: install it where it is missing and this runs as
    root (as the browser tests install Chromium's), otherwise fail saying what to install."""
    if fonts.cjk_font_installed():
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(  # noqa: S603 - a fixed command
            ["/bin/sh", "-c", fonts.INSTALL_COMMAND], capture_output=True, check=False, timeout=1200
        )
    if not fonts.cjk_font_installed():
        raise AssertionError(f"No CJK font for the PDF: `{fonts.INSTALL_COMMAND}`.")
