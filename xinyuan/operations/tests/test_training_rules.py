"""The pure rules of training currency and overdue complaints, table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.test import SimpleTestCase

from xinyuan.operations.rules import (
    EXPIRY_WARNING_DAYS,
    best_expiry,
    complaint_is_overdue,
    training_state,
)

TODAY = date(2026, 6, 1)


class TrainingStateTests(SimpleTestCase):
    def test_states_by_expiry(self):
        table = [
            (None, True, "current"),
            (TODAY + timedelta(days=EXPIRY_WARNING_DAYS + 1), True, "current"),
            (TODAY + timedelta(days=EXPIRY_WARNING_DAYS), True, "expiring"),
            (TODAY, True, "expiring"),  # valid through its last day
            (TODAY - timedelta(days=1), True, "expired"),
            (None, False, "missing"),
            (TODAY + timedelta(days=400), False, "missing"),
        ]
        for expires_on, held, expected in table:
            with self.subTest(expires_on=expires_on, held=held):
                self.assertEqual(training_state(expires_on, TODAY, held=held), expected)

    def test_the_record_that_holds_longest_counts(self):
        table = [
            ([date(2026, 1, 1), date(2027, 1, 1)], date(2027, 1, 1)),
            ([date(2026, 1, 1), None], None),
            ([date(2025, 5, 5)], date(2025, 5, 5)),
        ]
        for expiries, expected in table:
            with self.subTest(expiries=expiries):
                self.assertEqual(best_expiry(expiries), expected)


class ComplaintOverdueTests(SimpleTestCase):
    def test_overdue_after_the_days_unless_resolved_or_no_limit(self):
        now = datetime(2026, 6, 20, 12, tzinfo=UTC)
        table = [
            (now - timedelta(days=15, minutes=1), False, 15, True),
            (now - timedelta(days=15), False, 15, False),
            (now - timedelta(days=40), True, 15, False),
            (now - timedelta(days=40), False, 0, False),
        ]
        for received_at, resolved, days, expected in table:
            with self.subTest(received_at=received_at, resolved=resolved, days=days):
                self.assertEqual(
                    complaint_is_overdue(received_at, resolved, now, days=days), expected
                )
