"""The load and burn-out rules (OP-02), at every boundary."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from xinyuan.operations import rules

SH = ZoneInfo("Asia/Shanghai")
WEEK = date(2026, 12, 7)  # a Monday
LIMITS = rules.LoadLimits(
    max_hours_per_week=40,
    max_night_shifts_per_week=2,
    min_rest_hours=11,
    max_high_risk_contacts_per_week=10,
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026, local time: day 6 is the Sunday before WEEK, 7 its Monday, 13 its Sunday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


def s(start: datetime, end: datetime) -> rules.Stretch:
    return rules.Stretch(start, end)


def load(*shifts: rules.Stretch, high_risk: int = 0, week: date = WEEK) -> rules.WeekLoad:
    return rules.week_load(list(shifts), high_risk, week, SH)


class WeekTests(SimpleTestCase):
    def test_the_week_starts_on_monday_midnight_local_time(self):
        for day in (date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 13)):
            with self.subTest(day=day):
                self.assertEqual(rules.week_start_of(day), WEEK)
        self.assertEqual(rules.week_start_of(date(2026, 12, 14)), date(2026, 12, 14))
        start, end = rules.week_bounds(WEEK, SH)
        self.assertEqual(start, at(7, 0))
        self.assertEqual(end, at(14, 0))
        # Monday 00:00 in Shanghai is Sunday 16:00 UTC.
        self.assertEqual(start.astimezone(UTC), datetime(2026, 12, 6, 16, tzinfo=UTC))


class HoursTests(SimpleTestCase):
    def test_hours_rostered_in_the_week(self):
        cases = [
            ("nothing", [], 0),
            ("one day shift", [s(at(7, 8), at(7, 16))], 8),
            ("two days", [s(at(7, 8), at(7, 16)), s(at(8, 8), at(8, 12))], 12),
            # Sunday 22:00 → Monday 06:00 before the week: 6 hours belong to it.
            ("crossing into the week", [s(at(6, 22), at(7, 6))], 6),
            # Sunday 22:00 → Monday 06:00 at the end of the week: 2 hours belong to it.
            ("crossing out of the week", [s(at(13, 22), at(14, 6))], 2),
            ("wholly before", [s(at(6, 8), at(6, 16))], 0),
            ("wholly after", [s(at(14, 0), at(14, 8))], 0),
            ("ends exactly at the start", [s(at(6, 16), at(7, 0))], 0),
            # Overlapping shifts (two seats at once) count once.
            ("overlapping", [s(at(7, 8), at(7, 16)), s(at(7, 12), at(7, 20))], 12),
            ("one inside another", [s(at(7, 8), at(7, 20)), s(at(7, 10), at(7, 12))], 12),
            ("back to back", [s(at(7, 8), at(7, 12)), s(at(7, 12), at(7, 16))], 8),
            ("half hours", [s(at(7, 8), at(7, 10, 30))], 2.5),
        ]
        for name, shifts, hours in cases:
            with self.subTest(name):
                self.assertEqual(load(*shifts).hours, hours)

    def test_shifts_given_in_any_order_and_zone_count_the_same(self):
        utc_shift = s(at(8, 8).astimezone(UTC), at(8, 16).astimezone(UTC))
        self.assertEqual(load(utc_shift, s(at(7, 8), at(7, 16))).hours, 16)

    def test_exactly_the_maximum_hours_is_within_the_limit(self):
        five_days = [s(at(d, 8), at(d, 16)) for d in range(7, 12)]  # 40 h
        self.assertEqual(load(*five_days).hours, 40)
        self.assertEqual(rules.limits_exceeded(load(*five_days), LIMITS), ())
        one_minute_more = [*five_days, s(at(12, 8), at(12, 8, 1))]
        self.assertEqual(rules.limits_exceeded(load(*one_minute_more), LIMITS), (rules.OVER_HOURS,))


class NightTests(SimpleTestCase):
    def test_which_shifts_are_night_shifts_and_in_which_week(self):
        cases = [
            ("day shift", [s(at(8, 8), at(8, 16))], 0),
            ("ends exactly at 22:00", [s(at(8, 14), at(8, 22))], 0),
            ("one minute into the night", [s(at(8, 14), at(8, 22, 1))], 1),
            ("starts exactly at 06:00", [s(at(8, 6), at(8, 14))], 0),
            ("ends one minute after 05:59", [s(at(8, 5, 59), at(8, 14))], 1),
            ("a full night", [s(at(8, 22), at(9, 6))], 1),
            ("early morning only", [s(at(9, 2), at(9, 6))], 1),
            # Two shifts in the same night are one night.
            ("split night", [s(at(8, 22), at(9, 1)), s(at(9, 2), at(9, 5))], 1),
            ("two nights", [s(at(8, 22), at(9, 6)), s(at(9, 22), at(10, 6))], 2),
            # A 36-hour stretch over two nights is two nights.
            ("two nights in one stretch", [s(at(8, 20), at(10, 8))], 2),
            # Sunday→Monday: the night whose work began on Sunday belongs to the earlier week.
            ("Sunday night before the week", [s(at(6, 22), at(7, 6))], 0),
            ("Sunday night at the end of the week", [s(at(13, 22), at(14, 6))], 1),
            # Work in that night that begins after midnight belongs to the week of the Monday.
            ("Monday 00:00 start", [s(at(7, 0), at(7, 8))], 1),
            ("Monday 06:00 start", [s(at(14, 0), at(14, 8))], 0),
        ]
        for name, shifts, nights in cases:
            with self.subTest(name):
                self.assertEqual(load(*shifts).night_shifts, nights)

    def test_a_night_crossing_into_the_week_counts_for_the_week_it_began_in(self):
        sunday_night = s(at(6, 22), at(7, 6))
        self.assertEqual(load(sunday_night, week=date(2026, 11, 30)).night_shifts, 1)
        self.assertEqual(load(sunday_night, week=WEEK).night_shifts, 0)

    def test_exactly_the_maximum_nights_is_within_the_limit(self):
        nights = [s(at(d, 22), at(d + 1, 6)) for d in (7, 9, 11)]
        self.assertEqual(rules.limits_exceeded(load(*nights[:2]), LIMITS), ())
        self.assertEqual(rules.limits_exceeded(load(*nights), LIMITS), (rules.OVER_NIGHTS,))


class RestTests(SimpleTestCase):
    def test_shortest_rest_between_consecutive_shifts(self):
        cases = [
            ("no shift", [], None),
            ("one shift", [s(at(8, 8), at(8, 16))], None),
            ("a day apart", [s(at(8, 8), at(8, 16)), s(at(9, 8), at(9, 16))], 16),
            (
                "shortest of several",
                [s(at(8, 8), at(8, 16)), s(at(9, 6), at(9, 14)), s(at(10, 8), at(10, 16))],
                14,
            ),
            ("back to back is no rest", [s(at(8, 8), at(8, 12)), s(at(8, 12), at(8, 16))], None),
            ("overlapping is no rest", [s(at(8, 8), at(8, 14)), s(at(8, 12), at(8, 16))], None),
            # The rest after the last shift of the previous week counts.
            ("after last week's shift", [s(at(6, 14), at(6, 22)), s(at(7, 6), at(7, 14))], 8),
            # The rest before a shift crossing into the week ended last week: not this week's.
            (
                "ends before the week",
                [s(at(6, 8), at(6, 12)), s(at(6, 22), at(7, 6))],
                None,
            ),
            # The rest that ends next week is next week's.
            ("ends next week", [s(at(13, 8), at(13, 16)), s(at(14, 0), at(14, 8))], None),
            ("quick return", [s(at(8, 14), at(8, 22)), s(at(9, 6, 30), at(9, 14))], 8.5),
        ]
        for name, shifts, hours in cases:
            with self.subTest(name):
                self.assertEqual(load(*shifts).shortest_rest_hours, hours)

    def test_exactly_the_minimum_rest_is_within_the_limit(self):
        exactly = load(s(at(8, 8), at(8, 16)), s(at(9, 3), at(9, 8)))  # 11 h
        self.assertEqual(exactly.shortest_rest, timedelta(hours=11))
        self.assertEqual(rules.limits_exceeded(exactly, LIMITS), ())
        short = load(s(at(8, 8), at(8, 16)), s(at(9, 2, 59), at(9, 8)))
        self.assertEqual(rules.limits_exceeded(short, LIMITS), (rules.OVER_REST,))

    def test_a_short_rest_across_the_week_start_is_over_the_limit(self):
        over = load(s(at(6, 14), at(6, 22)), s(at(7, 6), at(7, 14)))
        self.assertEqual(rules.limits_exceeded(over, LIMITS), (rules.OVER_REST,))


class HighRiskAndLimitsTests(SimpleTestCase):
    def test_high_risk_contacts_at_the_limit(self):
        cases = [(0, ()), (9, ()), (10, ()), (11, (rules.OVER_HIGH_RISK,))]
        for count, over in cases:
            with self.subTest(count=count):
                self.assertEqual(rules.limits_exceeded(load(high_risk=count), LIMITS), over)

    def test_every_limit_exceeded_is_named_in_order(self):
        heavy = load(
            *[s(at(d, 22), at(d + 1, 9)) for d in range(7, 11)],  # 4 nights, 44 h, 13 h rest
            s(at(11, 14), at(11, 20)),  # 5 h after the last night: a short rest
            high_risk=12,
        )
        self.assertEqual(
            rules.limits_exceeded(heavy, LIMITS),
            (rules.OVER_HOURS, rules.OVER_NIGHTS, rules.OVER_REST, rules.OVER_HIGH_RISK),
        )

    def test_a_minimum_rest_of_zero_never_flags(self):
        limits = rules.LoadLimits(40, 2, 0, 10)
        back_to_back = load(s(at(8, 8), at(8, 12)), s(at(8, 12, 1), at(8, 16)))
        self.assertEqual(rules.limits_exceeded(back_to_back, limits), ())

    def test_the_defaults_are_the_documented_ones(self):
        self.assertEqual(rules.DEFAULT_LOAD_LIMITS, LIMITS)
        self.assertTrue(rules.LOAD_RULE_VERSION)
