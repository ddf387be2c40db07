from datetime import date

from django.test import SimpleTestCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyuan.reports import rules
from xinyuan.reports.rules import Period, PeriodError, buckets, period_for, rate


class PeriodTests(SimpleTestCase):
    def test_each_kind_of_period_covers_the_days_it_should(self):
        table = [
            # kind, day, until, first, last, label
            ("day", date(2026, 11, 5), None, date(2026, 11, 5), date(2026, 11, 5), "2026-11-05"),
            ("week", date(2026, 11, 5), None, date(2026, 11, 2), date(2026, 11, 8), "2026-W45"),
            # an ISO week across the new year belongs to the year of its Thursday
            ("week", date(2026, 1, 1), None, date(2025, 12, 29), date(2026, 1, 4), "2026-W01"),
            ("week", date(2027, 1, 3), None, date(2026, 12, 28), date(2027, 1, 3), "2026-W53"),
            ("month", date(2026, 11, 30), None, date(2026, 11, 1), date(2026, 11, 30), "2026-11"),
            ("month", date(2028, 2, 10), None, date(2028, 2, 1), date(2028, 2, 29), "2028-02"),
            ("month", date(2026, 2, 28), None, date(2026, 2, 1), date(2026, 2, 28), "2026-02"),
            ("month", date(2026, 12, 31), None, date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
            ("quarter", date(2026, 3, 31), None, date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
            ("quarter", date(2026, 4, 1), None, date(2026, 4, 1), date(2026, 6, 30), "2026-Q2"),
            ("quarter", date(2026, 9, 30), None, date(2026, 7, 1), date(2026, 9, 30), "2026-Q3"),
            ("quarter", date(2026, 11, 15), None, date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
            ("year", date(2028, 2, 29), None, date(2028, 1, 1), date(2028, 12, 31), "2028"),
            (
                "custom",
                date(2026, 11, 3),
                date(2026, 11, 17),
                date(2026, 11, 3),
                date(2026, 11, 17),
                "2026-11-03_2026-11-17",
            ),
        ]
        for kind, day, until, first, last, label in table:
            with self.subTest(kind=kind, day=day):
                period = period_for(kind, day, until)
                self.assertEqual((period.first, period.last, period.label), (first, last, label))

    def test_leap_years_give_february_its_29th_day(self):
        self.assertEqual(period_for("month", date(2024, 2, 1)).days, 29)
        self.assertEqual(period_for("month", date(2100, 2, 1)).days, 28, "2100 is no leap year")
        self.assertEqual(period_for("year", date(2028, 6, 1)).days, 366)
        self.assertEqual(period_for("quarter", date(2028, 1, 1)).days, 91)

    def test_a_wrong_custom_period_is_refused(self):
        for day, until in (
            (date(2026, 5, 2), date(2026, 5, 1)),
            (date(2020, 1, 1), date(2023, 1, 5)),
            (date(2026, 5, 2), None),
        ):
            with self.subTest(until=until), self.assertRaises(PeriodError):
                period_for("custom", day, until)
        with self.assertRaises(PeriodError):
            period_for("fortnight", date(2026, 5, 2))

    def test_buckets_cover_the_period_clipped_at_both_ends(self):
        weeks = buckets(date(2026, 11, 1), date(2026, 11, 30), "week")
        self.assertEqual(
            [(b.first.day, b.last.day) for b in weeks],
            [(1, 1), (2, 8), (9, 15), (16, 22), (23, 29), (30, 30)],
        )
        months = buckets(date(2026, 1, 15), date(2026, 3, 10), "month")
        self.assertEqual(
            [(b.first, b.last) for b in months],
            [
                (date(2026, 1, 15), date(2026, 1, 31)),
                (date(2026, 2, 1), date(2026, 2, 28)),
                (date(2026, 3, 1), date(2026, 3, 10)),
            ],
        )
        self.assertEqual(len(buckets(date(2028, 2, 1), date(2028, 2, 29), "day")), 29)

    def test_a_rate_with_nothing_to_divide_is_unknown_not_100_percent(self):
        self.assertIsNone(rate(0, 0))
        self.assertEqual(rate(17, 20), 85.0)
        self.assertEqual(rate(1, 3), 33.3)

    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
        st.sampled_from(["day", "week", "month", "quarter", "year"]),
    )
    def test_every_day_lies_in_its_period_and_periods_tile(self, day, kind):
        period = period_for(kind, day)
        self.assertLessEqual(period.first, day)
        self.assertLessEqual(day, period.last)
        self.assertEqual(period_for(kind, period.first), period)
        self.assertEqual(period_for(kind, period.last), period)

    @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
    @given(
        st.dates(min_value=date(2000, 1, 1), max_value=date(2097, 12, 31)),
        st.integers(min_value=0, max_value=rules.MAX_DAYS - 1),
        st.sampled_from(rules.GROUP_BY),
    )
    def test_buckets_are_contiguous_and_cover_every_day(self, first, length, group_by):
        from datetime import timedelta

        last = first + timedelta(days=length)
        parts = buckets(first, last, group_by)
        self.assertEqual(parts[0].first, first)
        self.assertEqual(parts[-1].last, last)
        self.assertEqual(sum(p.days for p in parts), length + 1)
        for earlier, later in zip(parts, parts[1:], strict=False):
            self.assertEqual((later.first - earlier.last).days, 1)
        self.assertIsInstance(parts[0], Period)


class SmallGroupTests(SimpleTestCase):
    def test_groups_below_the_minimum_are_merged_and_shown_only_when_the_merge_reaches_it(self):
        from xinyuan.reports.rules import SMALL_GROUPS, suppress_small_groups

        self.assertEqual(
            suppress_small_groups([("甲校", 5), ("乙校", 1), ("丙校", 1)]), [("甲校", 5)]
        )
        self.assertEqual(
            suppress_small_groups([("甲校", 3), ("乙校", 2), ("丙校", 1), ("丁校", 2)]),
            [("甲校", 3), (SMALL_GROUPS, 5)],
        )
        self.assertEqual(suppress_small_groups([("乙校", 2)], minimum=2), [("乙校", 2)])
        self.assertEqual(suppress_small_groups([]), [])
