from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from xinyuan.operations import rules

SH = ZoneInfo("Asia/Shanghai")
MONDAY_8 = datetime(2026, 12, 7, 8, tzinfo=SH)


class CoverageRuleTests(SimpleTestCase):
    def test_required_seats_at_the_window_boundaries(self):
        windows = [rules.Window(0, time(8), time(22), 2)]
        cases = [
            (datetime(2026, 12, 7, 7, tzinfo=SH), 0),  # before opening
            (datetime(2026, 12, 7, 8, tzinfo=SH), 2),  # first hour
            (datetime(2026, 12, 7, 21, tzinfo=SH), 2),  # last hour
            (datetime(2026, 12, 7, 22, tzinfo=SH), 0),  # closed
            (datetime(2026, 12, 8, 9, tzinfo=SH), 0),  # another weekday
        ]
        for hour, expected in cases:
            with self.subTest(hour=hour):
                self.assertEqual(rules.required_seats(windows, hour), expected)

    def test_a_window_ending_at_midnight_covers_the_last_hour_of_the_day(self):
        windows = [rules.Window(0, time(0), time(0), 3)]
        self.assertEqual(rules.required_seats(windows, datetime(2026, 12, 7, 23, tzinfo=SH)), 3)
        self.assertEqual(rules.required_seats(windows, datetime(2026, 12, 7, 0, tzinfo=SH)), 3)

    def test_an_hour_is_a_gap_unless_enough_seats_are_staffed_for_all_of_it(self):
        windows = [rules.Window(0, time(8), time(12), 2)]
        shifts = [
            rules.Staffed(1, MONDAY_8, MONDAY_8 + timedelta(hours=4)),
            # Seat 2 only from 9:30: 8–9 and 9–10 are one seat short.
            rules.Staffed(2, MONDAY_8 + timedelta(minutes=90), MONDAY_8 + timedelta(hours=4)),
            # A second person on seat 1 adds no seat.
            rules.Staffed(1, MONDAY_8, MONDAY_8 + timedelta(hours=4)),
        ]
        hours = rules.coverage(windows, shifts, MONDAY_8, 5)
        self.assertEqual([h.staffed for h in hours], [1, 1, 2, 2, 0])
        self.assertEqual([h.required for h in hours], [2, 2, 2, 2, 0])
        self.assertEqual([h.is_gap for h in hours], [True, True, False, False, False])


class ServiceHoursInWordsTests(SimpleTestCase):
    NAMES = ["一", "二", "三", "四", "五", "六", "日"]

    def test_windows_with_the_same_hours_are_grouped_and_a_full_week_is_every_day(self):
        cases = [
            ([rules.Window(d, time(8), time(22), 2) for d in range(7)], "每天 08:00–22:00"),
            (
                [
                    rules.Window(0, time(9), time(17), 2),
                    rules.Window(2, time(9), time(17), 2),
                    rules.Window(5, time(0), time(0), 3),
                ],
                "六 00:00–24:00；一、三 09:00–17:00",
            ),
            ([], ""),
        ]
        for windows, expected in cases:
            with self.subTest(expected=expected):
                self.assertEqual(
                    rules.describe_service_hours(windows, self.NAMES, "每天"), expected
                )
