"""The daily rollup of the work report's figures (decision 0017): the triggers mark every change
that moves a figure, the reports give the same figures from the rollup as from the contacts —
day by day, week and month, before and after edits, moves across local midnight, deletions and
a caller flagged repeated — a missing, stale or outdated row is never used, and the command
rebuilds, checks and queues."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO
from unittest import mock

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinyuan.cases.models import Person
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.hotline.models import CallEvent, Contact, ContactType, RiskLevel
from xinyuan.hotline.tests.factories import start_contact
from xinyuan.reports import actions, rules, triggers
from xinyuan.reports.access import access_reports
from xinyuan.reports.models import DailyCentreStats, StaleReportDay
from xinyuan.reports.selectors import work_report as selectors
from xinyuan.reports.tests import test_work_report as base
from xinyuan.reports.tests.test_work_report import PAGE, SHANGHAI, at, build_november, move

FIRST, LAST = date(2026, 10, 25), date(2026, 12, 3)


def marks() -> set[tuple[int, date]]:
    return {
        (org, timezone.localtime(moment, SHANGHAI).date())
        for org, moment in StaleReportDay.objects.values_list("organisation_id", "at")
    }


def figures(service, problems) -> dict:
    names = selectors.SERVICE_COUNTS + selectors.CALL_COUNTS
    return {
        **{name: getattr(service, name) for name in names},
        "uncoded": problems.uncoded,
        **{f"problem_{row}": n for row, n in problems.rows.items() if n},
    }


class TriggerTests(PersonaMixin, TestCase):
    """Every write to a counted column marks its day (old and new); other writes do not."""

    def setUp(self):
        self.contact = move(start_contact(self.p.counsellor), at(5, 10))
        StaleReportDay.objects.all().delete()

    def test_the_triggers_are_installed_after_migrate(self):
        self.assertEqual(
            triggers.installed_names(connection), triggers.expected_names(connection.vendor)
        )

    def test_a_new_contact_marks_its_day(self):
        start_contact(self.p.counsellor)
        self.assertEqual(marks(), {(self.p.org.pk, timezone.localdate())})

    def test_a_counted_change_marks_the_day_and_an_uncounted_one_does_not(self):
        Contact.objects.filter(pk=self.contact.pk).update(outcome="referred")
        self.assertEqual(marks(), set())
        for change in (
            {"risk_level": RiskLevel.HIGH},
            {"contact_type": ContactType.SILENT},
            {"channel": "chat"},
            {"problem_codes": ["emotional"]},
        ):
            Contact.objects.filter(pk=self.contact.pk).update(**change)
            self.assertEqual(marks(), {(self.p.org.pk, date(2026, 11, 5))}, change)
            StaleReportDay.objects.all().delete()

    def test_moving_a_contact_across_local_midnight_marks_both_days(self):
        move(self.contact, datetime(2026, 11, 6, 0, 0, tzinfo=SHANGHAI))
        self.assertEqual(
            marks(), {(self.p.org.pk, date(2026, 11, 5)), (self.p.org.pk, date(2026, 11, 6))}
        )

    def test_a_deleted_contact_marks_its_day(self):
        Contact.objects.filter(pk=self.contact.pk).delete()
        self.assertEqual(marks(), {(self.p.org.pk, date(2026, 11, 5))})

    def test_flagging_a_caller_repeated_marks_the_days_of_their_contacts(self):
        person = Person.objects.create(organisation=self.p.org, label="P-9")
        move(self.contact, at(5, 10), person=person)
        other = move(start_contact(self.p.counsellor), at(20, 9), person=person)
        self.assertTrue(other.pk)
        StaleReportDay.objects.all().delete()
        Person.objects.filter(pk=person.pk).update(label="P-10")
        self.assertEqual(marks(), set())
        Person.objects.filter(pk=person.pk).update(is_repeated_caller=True)
        self.assertEqual(
            marks(), {(self.p.org.pk, date(2026, 11, 5)), (self.p.org.pk, date(2026, 11, 20))}
        )

    def test_a_call_event_marks_its_day(self):
        event = CallEvent.objects.create(
            organisation=self.p.org, call_ref="x", kind="offered", occurred_at=at(7, 23, 59)
        )
        self.assertEqual(marks(), {(self.p.org.pk, date(2026, 11, 7))})
        StaleReportDay.objects.all().delete()
        CallEvent.objects.filter(pk=event.pk).update(is_local=True)
        self.assertEqual(marks(), {(self.p.org.pk, date(2026, 11, 7))})

    def test_missing_triggers_are_put_back_and_the_rollup_then_distrusted(self):
        actions.do_refresh_report_rollup([self.p.org.pk], date(2026, 11, 1), date(2026, 11, 30))
        self.assertEqual(DailyCentreStats.objects.count(), 30)
        triggers.drop_triggers(connection)
        self.assertEqual(triggers.installed_names(connection), set())
        self.assertTrue(triggers.ensure_triggers(connection))
        self.assertEqual(DailyCentreStats.objects.count(), 0, "rows that may have missed changes")
        self.assertFalse(triggers.ensure_triggers(connection), "nothing to do the second time")
        move(self.contact, at(6, 10))
        self.assertEqual(
            marks(), {(self.p.org.pk, date(2026, 11, 5)), (self.p.org.pk, date(2026, 11, 6))}
        )


class SameFiguresTests(PersonaMixin, TestCase):
    """The reports from the rollup equal the direct aggregate, for every day, week and month."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_november(cls.p)
        # Contacts on both sides of local midnight, and one at 00:00 exactly.
        for moment in (
            datetime(2026, 11, 14, 23, 59, 59, tzinfo=SHANGHAI),
            datetime(2026, 11, 15, 0, 0, tzinfo=SHANGHAI),
            datetime(2026, 11, 15, 23, 59, 59, tzinfo=SHANGHAI),
        ):
            move(start_contact(cls.p.counsellor), moment, problem_codes=["health"])

    def scopes(self):
        return [access_reports(self.p.director), access_reports(self.p.officer)]

    def assert_same(self, note: str):
        for scope in self.scopes():
            for first, last in ((FIRST, LAST), (date(2026, 11, 1), date(2026, 11, 30))):
                period = rules.Period("custom", first, last)
                self.assertEqual(
                    figures(*selectors.service_and_problems(scope, period)),
                    figures(*selectors.direct_service_and_problems(scope, period)),
                    f"{note}: {scope.unit_name} {first}…{last}",
                )
                for group_by in rules.GROUP_BY:
                    rolled = selectors.service_trend(scope, period, group_by)
                    direct = selectors.direct_service_trend(scope, period, group_by)
                    self.assertEqual(
                        [(b, figures(s, p)) for b, s, p in rolled],
                        [(b, figures(s, p)) for b, s, p in direct],
                        f"{note}: {scope.unit_name} by {group_by}",
                    )

    def refresh(self):
        return actions.do_refresh_report_rollup(
            access_reports(self.p.officer).organisation_ids, FIRST, LAST
        )

    def test_the_figures_agree_before_and_after_the_rollup_and_after_every_kind_of_change(self):
        self.assert_same("nothing rolled up")
        self.assertEqual(self.refresh(), 2 * 40)
        self.assertFalse(StaleReportDay.objects.filter(at__lt=at(4, 0, month=12)).exists())
        self.assert_same("all rolled up")
        changes = [
            ("risk raised", lambda c: move(c, c.started_at, risk_level=RiskLevel.IMMINENT)),
            (
                "moved over midnight",
                lambda c: move(c, datetime(2026, 11, 16, 0, 0, tzinfo=SHANGHAI)),
            ),
            ("type changed", lambda c: move(c, c.started_at, contact_type=ContactType.HARASSMENT)),
            ("problems recoded", lambda c: move(c, c.started_at, problem_codes=["romantic.x"])),
            ("deleted", lambda c: Contact.objects.filter(pk=c.pk).delete()),
        ]
        for note, change in changes:
            contact = Contact.objects.filter(organisation=self.p.org, started_at__lt=at(30)).first()
            change(contact)
            self.assert_same(f"{note}, stale")
            self.refresh()
            self.assert_same(f"{note}, refreshed")
        person = Person.objects.create(organisation=self.p.org, label="P-2")
        Contact.objects.filter(started_at__gte=at(14), started_at__lt=at(16)).update(person=person)
        self.refresh()
        Person.objects.filter(pk=person.pk).update(is_repeated_caller=True)
        self.assert_same("caller flagged repeated, stale")
        self.refresh()
        self.assert_same("caller flagged repeated, refreshed")
        CallEvent.objects.create(
            organisation=self.p.org, call_ref="late-post", kind="offered", occurred_at=at(9, 3)
        )
        self.assert_same("a call event posted late, stale")
        self.refresh()
        self.assert_same("a call event posted late, refreshed")
        differences, compared = selectors.check_rollup(
            access_reports(self.p.officer).organisation_ids
        )
        self.assertEqual((differences, compared), ([], 80))

    def test_a_rolled_up_period_reads_no_contact_and_no_call_event(self):
        self.refresh()
        scope = access_reports(self.p.director)
        with CaptureQueriesContext(connection) as queries:
            selectors.service_and_problems(scope, rules.period_for("month", date(2026, 11, 1)))
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        self.assertEqual(len(queries.captured_queries), 2, sql)
        self.assertNotIn("hotline_contact", sql)
        self.assertNotIn("hotline_callevent", sql)
        # A change makes its day (only) come from the contacts again: four statements.
        move(Contact.objects.filter(organisation=self.p.org).first(), at(3, 9))
        with CaptureQueriesContext(connection) as queries:
            selectors.service_and_problems(scope, rules.period_for("month", date(2026, 11, 1)))
        self.assertEqual(len(queries.captured_queries), 4)

    def test_a_row_of_another_definition_and_a_day_never_rolled_up_are_computed(self):
        self.refresh()
        DailyCentreStats.objects.filter(organisation=self.p.org, day=date(2026, 11, 3)).update(
            definition="rollup-0/old", contacts=999
        )
        DailyCentreStats.objects.filter(organisation=self.p.org, day=date(2026, 11, 20)).delete()
        DailyCentreStats.objects.filter(organisation=self.p.org, day=date(2026, 11, 12)).update(
            contacts=999
        )  # tampered
        self.assertEqual(
            selectors.check_rollup([self.p.org.pk])[0][0][:4],
            (self.p.org.pk, date(2026, 11, 12), "contacts", 999),
        )
        DailyCentreStats.objects.filter(organisation=self.p.org, day=date(2026, 11, 12)).delete()
        self.assert_same("outdated and missing rows")
        self.assertEqual(
            [
                r
                for r in actions.outstanding_days(today=date(2026, 12, 4))
                if r[1] >= FIRST and r[0] == self.p.org.pk
            ],
            [
                (self.p.org.pk, date(2026, 11, 20), date(2026, 11, 20)),
                (self.p.org.pk, date(2026, 11, 12), date(2026, 11, 12)),
                (self.p.org.pk, date(2026, 11, 3), date(2026, 11, 3)),
            ],
        )

    def test_today_is_never_rolled_up(self):
        start_contact(self.p.counsellor)
        today = timezone.localdate()
        self.assertEqual(
            actions.do_refresh_report_rollup([self.p.org.pk], today - timedelta(days=1), today), 1
        )
        self.assertFalse(DailyCentreStats.objects.filter(day=today).exists())
        period = rules.Period("day", today, today)
        self.assertEqual(
            selectors.service_and_problems(access_reports(self.p.director), period)[0].contacts, 1
        )


class WorkReportFromRollupTests(base.WorkReportTests):
    """The whole work report suite (page, Excel, PDF, JSON and a direct SQL count agree) again,
    with November in the rollup."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        actions.do_refresh_report_rollup(
            [cls.p.org.pk, cls.p.outsider.organisation_id], FIRST, LAST
        )

    def test_the_work_report_page_costs_a_fixed_number_of_queries(self):
        client = client_for(self.p.director)
        client.get(PAGE, {"period": "month", "day": "2026-11-15"})
        with CaptureQueriesContext(connection) as first:
            client.get(PAGE, {"period": "month", "day": "2026-11-15"})
        self.assertNotIn("hotline_callevent", " ".join(q["sql"] for q in first.captured_queries))
        self.assertLessEqual(len(first.captured_queries), 16)
        for _ in range(5):
            move(start_contact(self.p.counsellor), at(15))
        # The changed day comes from the contacts (two more statements) until refreshed.
        with self.assertNumQueries(len(first.captured_queries) + 2):
            client.get(PAGE, {"period": "month", "day": "2026-11-15"})
        actions.do_refresh_report_rollup([self.p.org.pk], FIRST, LAST)
        with self.assertNumQueries(len(first.captured_queries)):
            client.get(PAGE, {"period": "month", "day": "2026-11-15"})

    def test_the_report_page_costs_a_fixed_number_of_queries_and_shows_breakdowns(self):
        client = client_for(self.p.director)
        client.get(base.REPORT_PAGE, base.NOVEMBER)
        with CaptureQueriesContext(connection) as first:
            client.get(base.REPORT_PAGE, base.NOVEMBER)
        for _ in range(5):
            move(start_contact(self.p.counsellor_b), at(16))
        actions.do_refresh_report_rollup([self.p.org.pk], FIRST, LAST)
        with self.assertNumQueries(len(first.captured_queries)):
            client.get(base.REPORT_PAGE, base.NOVEMBER)


class CommandTests(PersonaMixin, TestCase):
    def setUp(self):
        build_november(self.p)

    def run_command(self, *args) -> str:
        out = StringIO()
        call_command("rebuild_report_rollup", *args, stdout=out)
        return out.getvalue()

    def test_rebuild_check_and_a_difference_found(self):
        with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 12, 4)):
            self.assertIn(
                "Wrote 80 days.", self.run_command("--from", "2026-10-25", "--to", "2026-12-03")
            )
        self.assertIn("Compared 80 days: 0 differences.", self.run_command("--check"))
        DailyCentreStats.objects.filter(organisation=self.p.org, day=date(2026, 11, 3)).update(
            high_crisis=0
        )
        with self.assertRaises(CommandError):
            self.run_command("--check")

    def test_without_dates_it_fills_what_is_outstanding_for_three_years(self):
        out = self.run_command()
        from xinyuan.accounts.models import Organisation

        self.assertEqual(
            DailyCentreStats.objects.count(), Organisation.objects.count() * rules.MAX_DAYS
        )
        self.assertIn("Wrote", out)
        self.assertEqual(actions.outstanding_days(), [])
        self.assertIn("Wrote 0 days.", self.run_command())

    def test_bad_dates_are_refused_with_a_message(self):
        for args in (
            ("--from", "2026-13-01", "--to", "2026-12-01"),
            ("--from", "2026-11-01"),
            ("--from", "2026-11-02", "--to", "2026-11-01"),
        ):
            with self.assertRaises(CommandError, msg=args):
                self.run_command(*args)


class TaskTests(ProductionTransactionTestCase):
    """The sweep under the task worker's transaction handling: it refreshes and queues the next
    run once (never a second chain)."""

    def setUp(self):
        self.p = make_personas()

    def test_the_sweep_refreshes_and_queues_itself_once(self):
        from django_tasks_db.models import DBTaskResult

        from xinyuan.reports import tasks

        move(start_contact(self.p.counsellor), at(5, 10))
        self.assertTrue(tasks.queue_rollup_sweep())
        self.assertFalse(tasks.queue_rollup_sweep(), "one is waiting already")
        DBTaskResult.objects.all().delete()
        with mock.patch.object(tasks, "ROLLUP_DAYS_PER_RUN", 100):
            written = tasks.refresh_report_rollup.call()
        self.assertEqual(written, 100)
        waiting = DBTaskResult.objects.get(status="READY")
        self.assertLess(waiting.run_after, timezone.now() + timedelta(minutes=1), "a backlog")
        self.assertEqual(DailyCentreStats.objects.count(), 100)
        newest = DailyCentreStats.objects.order_by("-day").first().day
        self.assertEqual(newest, timezone.localdate() - timedelta(days=1), "newest first")
