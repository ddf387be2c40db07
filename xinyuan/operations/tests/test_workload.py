"""Load and burn-out signals (OP-02): the selector, the workload page, the limits page."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinyuan.accounts.models import Role
from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.hotline.models import Contact, Seat
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact
from xinyuan.operations import rules, selectors
from xinyuan.operations.actions.workload import do_set_workload_limits
from xinyuan.operations.models import Shift, WorkloadLimits

SH = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 11, 30)  # a Monday
URL = reverse("operations:workload")
LIMITS_URL = reverse("operations:workload-limits")
VALID = {
    "max_hours_per_week": "44",
    "max_night_shifts_per_week": "3",
    "min_rest_hours": "10.5",
    "max_high_risk_contacts_per_week": "8",
}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def shift(user, start: datetime, end: datetime, seat=None) -> Shift:
    return Shift.objects.create(
        organisation_id=user.organisation_id,
        # One seat per person: a seat's shift at one time exists once.
        seat=seat
        or Seat.objects.get_or_create(organisation_id=user.organisation_id, code=f"W{user.pk}")[0],
        user=user,
        starts_at=start,
        ends_at=end,
    )


def started(contact: Contact, when: datetime) -> Contact:
    Contact.objects.filter(pk=contact.pk).update(started_at=when)
    return contact


def week_query(day: date = WEEK) -> dict:
    return {"week": day.isoformat()}


class WorkloadSelectorTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        # The counsellor: six 8-hour days (48 h) — over the 40 hours.
        for day in range(30, 31):
            shift(p.counsellor, at(11, day, 8), at(11, day, 16))
        for day in range(1, 6):
            shift(p.counsellor, at(12, day, 8), at(12, day, 16))
        # The second counsellor: 16 h, and two high-risk contacts this week.
        shift(p.counsellor_b, at(12, 1, 8), at(12, 1, 16))
        shift(p.counsellor_b, at(12, 2, 8), at(12, 2, 16))
        for n, day in enumerate((1, 2)):
            started(
                high_risk_contact(p.counsellor_b, caller_number=f"1390000000{n}"), at(12, day, 9)
            )
        # Not counted: last week's high-risk contact, a low-risk one this week, another centre's.
        started(high_risk_contact(p.counsellor_b, caller_number="13900000009"), at(11, 29, 23))
        started(start_contact(p.counsellor_b, caller_number="13900000008"), at(12, 1, 10))
        started(high_risk_contact(p.outsider, caller_number="13900000007"), at(12, 1, 10))
        shift(p.outsider, at(12, 1, 8), at(12, 1, 20))

    def rows_by_name(self, actor, week=WEEK):
        return {row.user.username: row for row in selectors.workload_for(actor, week).rows}

    def test_the_supervisor_sees_the_centres_counsellors_and_supervisors_over_a_limit_first(self):
        shift(self.p.supervisor, at(12, 2, 8), at(12, 2, 12))
        shift(self.p.supervisor, at(12, 2, 18), at(12, 2, 22))  # 6 h rest: too little
        data = selectors.workload_for(self.p.supervisor, WEEK)
        names = [row.user.username for row in data.rows]
        # Over a limit first (督导 sorts after 07号 by name), then the rest by name.
        self.assertEqual(names, ["counsellor", "supervisor", "counsellor_b"])
        self.assertEqual(data.rows[1].over, (rules.OVER_REST,))
        first = data.rows[0]
        self.assertEqual(first.load.hours, 48)
        self.assertEqual(first.over, (rules.OVER_HOURS,))
        self.assertEqual(data.starts_at, at(11, 30, 0))
        self.assertFalse(data.limits_saved)

    def test_high_risk_contacts_count_only_the_persons_high_risk_ones_of_the_week(self):
        rows = self.rows_by_name(self.p.director)
        self.assertEqual(rows["counsellor_b"].load.high_risk_contacts, 2)
        self.assertEqual(rows["counsellor_b"].load.hours, 16)
        self.assertEqual(rows["counsellor_b"].over, ())
        self.assertEqual(rows["counsellor"].load.high_risk_contacts, 0)

    def test_any_day_of_the_week_means_that_week(self):
        data = selectors.workload_for(self.p.supervisor, date(2026, 12, 3))
        self.assertEqual(data.week_start, WEEK)

    def test_a_counsellor_sees_only_their_own_line(self):
        rows = self.rows_by_name(self.p.counsellor_b)
        self.assertEqual(list(rows), ["counsellor_b"])
        self.assertEqual(rows["counsellor_b"].load.high_risk_contacts, 2)

    def test_another_centre_sees_none_of_these_people(self):
        rows = self.rows_by_name(self.p.outsider_supervisor)
        self.assertEqual(set(rows), {"outsider", "outsider_supervisor"})
        self.assertEqual(rows["outsider"].load.hours, 12)
        self.assertEqual(rows["outsider"].load.high_risk_contacts, 1)

    def test_those_who_see_no_workload_get_nothing(self):
        for user in (self.p.auditor, self.p.admin, self.p.officer):
            with self.subTest(role=user.role):
                self.assertEqual(selectors.workload_for(user, WEEK).rows, [])

    def test_a_director_rostered_that_week_is_listed_and_inactive_staff_are_not(self):
        shift(self.p.director, at(12, 4, 8), at(12, 4, 12))
        make_user("left", self.p.org, Role.COUNSELLOR, is_active=False)
        rows = self.rows_by_name(self.p.supervisor)
        self.assertIn("director", rows)
        self.assertEqual(rows["director"].load.hours, 4)
        self.assertNotIn("left", rows)
        self.assertNotIn("auditor", rows)

    def test_the_centres_saved_limits_apply(self):
        do_set_workload_limits(actor=self.p.director, **{**VALID, "max_hours_per_week": "48"})
        data = selectors.workload_for(self.p.supervisor, WEEK)
        self.assertTrue(data.limits_saved)
        self.assertEqual(data.limits.max_hours_per_week, 48)
        self.assertEqual(self.rows_by_name(self.p.supervisor)["counsellor"].over, ())

    def test_four_queries_however_many_people(self):
        with self.assertNumQueries(4):
            selectors.workload_for(self.p.supervisor, WEEK)
        for n in range(6):
            user = make_user(f"extra{n}", self.p.org, Role.COUNSELLOR)
            shift(user, at(12, 1, 22), at(12, 2, 6))
            started(high_risk_contact(user, caller_number=f"1370000000{n}"), at(12, 2, 1))
        with self.assertNumQueries(4):
            data = selectors.workload_for(self.p.supervisor, WEEK)
        self.assertEqual(len(data.rows), 9)
        self.assertEqual(
            {r.load.night_shifts for r in data.rows if r.user.username.startswith("extra")}, {1}
        )


class WorkloadPageTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        # The second counsellor (08号): three nights (over 2) and an 8-hour rest after the last.
        for day in (1, 2, 3):
            shift(p.counsellor_b, at(12, day, 22), at(12, day + 1, 6))
        shift(p.counsellor_b, at(12, 4, 14), at(12, 4, 20))
        shift(p.counsellor, at(12, 1, 8), at(12, 1, 16))

    def test_the_supervisor_sees_who_is_over_which_limit_first_in_red(self):
        response = client_for(self.p.supervisor).get(URL, week_query())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("工作负荷", html)
        self.assertIn("2026-11-30 至 2026-12-06", html)
        self.assertIn("1 人超出上限", html)
        # The second counsellor (08号), over the limits, comes first (before 07号), marked.
        self.assertLess(html.index("08号"), html.index("07号"))
        self.assertIn("夜班过多", html)
        self.assertIn("休息不足", html)
        self.assertEqual(html.count('data-testid="workload-over"'), 2)
        self.assertEqual(html.count('data-testid="workload-row"'), 3)

    def test_the_week_picker_goes_to_the_previous_and_next_weeks(self):
        response = client_for(self.p.director).get(URL, {"week": "2026-12-09"})
        html = response.content.decode()
        self.assertIn("?week=2026-11-30", html)  # previous
        self.assertIn("?week=2026-12-14", html)  # next
        self.assertIn("2026-12-07 至 2026-12-13", html)
        self.assertIn("所有人均未超限", html)  # nothing rostered that week

    def test_this_week_when_no_week_is_asked(self):
        response = client_for(self.p.director).get(URL)
        monday = rules.week_start_of(timezone.localdate())
        self.assertEqual(response.context["data"].week_start, monday)
        self.assertTrue(response.context["is_this_week"])

    def test_a_week_that_is_not_a_date_says_so_and_shows_this_week(self):
        response = client_for(self.p.supervisor).get(URL, {"week": "上周"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "“上周”不是日期，显示的是本周。", status_code=422)
        self.assertEqual(
            response.context["data"].week_start, rules.week_start_of(timezone.localdate())
        )

    def test_a_counsellor_sees_their_own_week_only(self):
        response = client_for(self.p.counsellor_b).get(URL, week_query())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("我的本周工作量", html)
        self.assertIn('data-testid="workload-own"', html)
        self.assertNotIn('data-testid="workload-table"', html)
        self.assertNotIn("07号", html)
        self.assertIn("3 / 2", html)  # night shifts against the limit
        self.assertIn("夜班过多", html)
        self.assertNotIn('data-testid="workload-limits-link"', html)

    def test_the_director_is_offered_the_limits_and_the_supervisor_is_not(self):
        self.assertContains(
            client_for(self.p.director).get(URL), 'data-testid="workload-limits-link"'
        )
        self.assertNotContains(
            client_for(self.p.supervisor).get(URL), 'data-testid="workload-limits-link"'
        )

    def test_an_outsider_never_sees_this_centres_people(self):
        for user in (self.p.outsider, self.p.outsider_supervisor):
            with self.subTest(user=user.username):
                response = client_for(user).get(URL, week_query())
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "07号")
                self.assertNotContains(response, "08号")

    def test_roles_without_workload_are_refused(self):
        for user in (self.p.auditor, self.p.admin, self.p.officer):
            with self.subTest(role=user.role):
                self.assertEqual(client_for(user).get(URL).status_code, 403)

    def test_the_nav_links_the_page_for_those_who_may_see_it(self):
        workstation = reverse("hotline:workstation")
        self.assertContains(client_for(self.p.supervisor).get(workstation), "工作负荷")
        self.assertContains(client_for(self.p.counsellor).get(workstation), "我的工作量")

    def test_the_page_costs_the_same_queries_however_many_people(self):
        client = client_for(self.p.supervisor)
        client.get(URL, week_query())  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(URL, week_query())
        for n in range(8):
            user = make_user(f"extra{n}", self.p.org, Role.SUPERVISOR if n % 2 else Role.COUNSELLOR)
            shift(user, at(12, 2, 8), at(12, 2, 20))
        with self.assertNumQueries(len(few)):
            response = client.get(URL, week_query())
        self.assertEqual(len(response.context["rows"]), 11)
        self.assertEqual(len(few), PAGE_QUERIES, [q["sql"] for q in few.captured_queries])


# The workload page: the session and user, the centre (base page), and the selector's four.
PAGE_QUERIES = 7


class WorkloadLimitsTests(PersonaMixin, TestCase):
    def test_the_director_sees_the_defaults_until_limits_are_saved(self):
        response = client_for(self.p.director).get(LIMITS_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "尚未设置")
        self.assertContains(response, 'name="max_hours_per_week" value="40"')
        self.assertContains(response, 'name="min_rest_hours" value="11"')

    def test_the_director_saves_limits_and_the_change_is_audited(self):
        response = client_for(self.p.director).post(LIMITS_URL, VALID)
        self.assertRedirects(response, URL)
        limits = WorkloadLimits.objects.get(organisation=self.p.org)
        self.assertEqual(float(limits.min_rest_hours), 10.5)
        self.assertEqual(limits.max_high_risk_contacts_per_week, 8)
        self.assertEqual(limits.updated_by, self.p.director)
        event = AuditEvent.objects.get(target_type="operations.workloadlimits")
        self.assertEqual(event.action, "create")
        self.assertEqual(event.actor, self.p.director)
        self.assertEqual(event.organisation_id, self.p.org.pk)
        self.assertEqual(json.loads(event.changes_json)["min_rest_hours"], "10.5")
        page = client_for(self.p.director).get(LIMITS_URL)
        self.assertContains(page, 'name="min_rest_hours" value="10.5"')

    def test_a_change_audits_only_what_changed_and_the_same_values_audit_nothing(self):
        do_set_workload_limits(actor=self.p.director, **VALID)
        do_set_workload_limits(actor=self.p.director, **{**VALID, "max_night_shifts_per_week": "1"})
        do_set_workload_limits(actor=self.p.director, **{**VALID, "max_night_shifts_per_week": "1"})
        events = AuditEvent.objects.filter(target_type="operations.workloadlimits").order_by("id")
        self.assertEqual([e.action for e in events], ["create", "update"])
        self.assertEqual(json.loads(events[1].changes_json), {"max_night_shifts_per_week": [3, 1]})

    def test_bad_input_is_refused_in_chinese_and_what_was_typed_stays(self):
        cases = [
            ("max_hours_per_week", "-5", "每周时长须大于 0 且不超过 168。"),
            ("max_hours_per_week", "0", "每周时长须大于 0 且不超过 168。"),
            ("max_hours_per_week", "200", "每周时长须大于 0 且不超过 168。"),
            ("max_hours_per_week", "四十", "请以数字填写时长，例如 40。"),
            ("max_hours_per_week", "37.25", "时长最多保留一位小数。"),
            ("max_hours_per_week", "4" * 30, "请以数字填写时长，例如 40。"),  # a paste
            ("min_rest_hours", "-1", "最短休息须在 0 到 24 小时之间。"),
            ("min_rest_hours", "25", "最短休息须在 0 到 24 小时之间。"),
            ("min_rest_hours", "", "请以数字填写休息时长，例如 11。"),
            ("max_night_shifts_per_week", "8", "请填写 0 到 7 之间的整数。"),
            ("max_night_shifts_per_week", "1.5", "请填写整数。"),
            ("max_high_risk_contacts_per_week", "-1", "请填写 0 到 1000 之间的整数。"),
            ("max_high_risk_contacts_per_week", "nan", "请填写整数。"),
        ]
        client = client_for(self.p.director)
        for field, value, message in cases:
            with self.subTest(field=field, value=value):
                response = client.post(LIMITS_URL, {**VALID, field: value})
                self.assertContains(response, message, status_code=422)
                self.assertContains(response, f'name="{field}" value="{value}"', status_code=422)
                # The other fields keep what was typed too.
                other = next(name for name in VALID if name != field)
                self.assertContains(
                    response, f'name="{other}" value="{VALID[other]}"', status_code=422
                )
        self.assertFalse(WorkloadLimits.objects.exists())
        self.assertFalse(
            AuditEvent.objects.filter(target_type="operations.workloadlimits").exists()
        )

    def test_only_the_director_may_set_the_limits(self):
        for user in (self.p.supervisor, self.p.counsellor, self.p.auditor, self.p.admin):
            with self.subTest(role=user.role):
                self.assertEqual(client_for(user).post(LIMITS_URL, VALID).status_code, 403)
                with self.assertRaises(PermissionDeniedError):
                    do_set_workload_limits(actor=user, **VALID)
        self.assertFalse(WorkloadLimits.objects.exists())

    def test_another_centres_director_sets_their_own_centres_limits_only(self):
        director = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        response = client_for(director).post(LIMITS_URL, VALID)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(WorkloadLimits.objects.filter(organisation=self.p.org).exists())
        self.assertTrue(WorkloadLimits.objects.filter(organisation=self.p.other_org).exists())
        limits, saved = selectors.workload_limits_for(self.p.org.pk)
        self.assertFalse(saved)
        self.assertEqual(limits, rules.DEFAULT_LOAD_LIMITS)
