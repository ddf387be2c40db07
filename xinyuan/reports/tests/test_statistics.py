from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Region, Role
from xinyuan.cases.models import FollowUp, FollowUpStatus
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact
from xinyuan.reports import selectors

URL = "/reports/statistics/"


class StatisticsTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        contact = high_risk_contact(p.counsellor, caller_number="13800138000")
        hotline_actions.do_book_follow_up(actor=p.counsellor, contact=contact, consent_given=True)
        start_contact(p.counsellor)
        start_contact(p.outsider)
        far = Region.objects.create(name="远方市卫生健康委员会")
        far_org = Organisation.objects.create(name="远方热线", region=far)
        start_contact(make_user("far_counsellor", far_org, Role.COUNSELLOR))
        cls.far_officer = make_user("far_officer", None, Role.REGION_OFFICER, region=far)

    def today(self):
        return timezone.localdate()

    def test_the_default_period_fills_the_date_boxes_in_iso_form(self):
        page = client_for(self.p.officer).get(URL).content.decode()
        self.assertIn(f'value="{self.today().isoformat()}"', page)

    def test_the_officer_sees_every_centre_of_the_region_and_a_total(self):
        rows = selectors.centre_statistics(self.p.officer, self.today(), self.today())
        self.assertEqual(
            [(r.name, r.contacts, r.high_risk) for r in rows],
            [("其他热线", 1, 0), ("测试热线", 2, 1), ("", 3, 1)],
        )
        self.assertEqual(rows[1].follow_ups_due, 0, "the follow-up is due tomorrow at the latest")

    def test_follow_ups_due_in_the_period_count_with_their_timeliness(self):
        def timeliness():
            (row,) = selectors.centre_statistics(
                self.p.director, self.today() - timedelta(days=1), self.today() + timedelta(days=1)
            )
            return row.follow_ups_due, row.follow_ups_on_time, row.follow_ups_overdue

        self.assertEqual(
            timeliness(), (0, 0, 0), "a follow-up due later is neither on time nor late yet"
        )
        self.assertIsNone(selectors.CentreRow(name="x").on_time_percent)
        now = timezone.now()
        FollowUp.objects.filter(organisation=self.p.org).update(due_at=now - timedelta(hours=1))
        self.assertEqual(timeliness(), (1, 0, 1), "now due and not done: overdue")
        FollowUp.objects.filter(organisation=self.p.org).update(
            done_at=now - timedelta(hours=2), status=FollowUpStatus.DONE
        )
        self.assertEqual(timeliness(), (1, 1, 0), "done before it was due: on time")

    def test_the_on_time_rate_leaves_out_follow_ups_not_yet_due(self):
        FollowUp.objects.filter(organisation=self.p.org).update(
            due_at=timezone.now() + timedelta(hours=3)
        )
        response = client_for(self.p.director).get(
            URL,
            {
                "date_from": self.today().isoformat(),
                "date_to": (self.today() + timedelta(days=1)).isoformat(),
            },
        )
        table = response.content.decode().split('data-testid="statistics-table"')[1]
        self.assertNotIn("0%", table, "a follow-up not yet due is not counted late")
        self.assertContains(response, "本期截至目前应随访")

    def test_the_page_shows_counts_and_no_record(self):
        response = client_for(self.p.officer).get(URL)
        self.assertContains(response, "测试热线")
        self.assertContains(response, "其他热线")
        self.assertNotContains(response, "远方热线")
        self.assertNotContains(response, "/contacts/", msg_prefix="no link to any record")
        table = response.content.decode().split('data-testid="statistics-table"')[1]
        self.assertIn('<td class="text-end">3</td>', table, "the region's total")

    def test_an_officer_of_another_region_sees_only_theirs(self):
        response = client_for(self.far_officer).get(URL)
        self.assertContains(response, "远方热线")
        self.assertNotContains(response, "测试热线")

    def test_a_reversed_period_gets_a_message_and_keeps_the_dates(self):
        response = client_for(self.p.officer).get(
            URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "起始日期不能晚于截止日期", status_code=422)
        self.assertContains(response, 'value="2026-05-02"', status_code=422)

    def test_dates_at_the_end_of_the_calendar_are_refused_not_a_crash(self):
        response = client_for(self.p.officer).get(
            URL, {"date_from": "9999-12-01", "date_to": "9999-12-31"}
        )
        self.assertEqual(response.status_code, 422)

    def test_the_officer_reaches_no_record_and_lands_on_statistics(self):
        client = client_for(self.p.officer)
        self.assertRedirects(client.get("/"), URL)
        for url in ("/workstation/", "/contacts/", "/cases/follow-ups/", "/audit/"):
            self.assertEqual(client.get(url).status_code, 403, url)
        self.assertEqual(client.get("/api/v1/contacts").status_code, 403)

    def test_counsellors_and_supervisors_have_no_statistics_page_yet(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.admin):
            self.assertEqual(client_for(user).get(URL).status_code, 403, user.username)

    def test_an_officer_without_a_region_sees_nothing(self):
        lost = make_user("lost_officer", None, Role.REGION_OFFICER)
        self.assertEqual(client_for(lost).get(URL).status_code, 403)

    def test_self_test_results_count_by_band_with_the_serious_ones(self):
        from xinyuan.assessments.actions import do_submit

        for key, answers, org in (
            ("a", [0] * 8 + [1], self.p.org),  # minimal, but item 9: serious
            ("b", [0] * 9, self.p.org),
            ("c", [3] * 9, self.p.other_org),  # severe: serious
        ):
            do_submit(scale_code="phq9", answers=answers, organisation=org,
                      submission_key=key, language="zh-hans")  # fmt: skip
        today = self.today()
        (table,) = selectors.self_test_statistics(self.p.officer, today, today)
        by_centre = {r["name"]: (r["bands"], r["total"], r["serious"]) for r in table["rows"]}
        self.assertEqual(by_centre[self.p.org.name], ([2, 0, 0, 0, 0], 2, 1))
        self.assertEqual(by_centre[self.p.other_org.name], ([0, 0, 0, 0, 1], 1, 1))
        self.assertEqual(by_centre[""], ([2, 0, 0, 0, 1], 3, 2), "the region's total")
        (own,) = selectors.self_test_statistics(self.p.director, today, today)
        self.assertEqual([r["name"] for r in own["rows"]], [self.p.org.name])
        page = client_for(self.p.officer).get(URL)
        self.assertContains(page, 'data-testid="self-test-table-phq9"')
