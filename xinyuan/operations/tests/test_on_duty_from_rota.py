"""On duty for the high-risk alerts is the rota: a supervisor rostered now gets the alerts
without the toggle; one whose shift ended does not (unless the toggle is on, the override)."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from xinyuan.accounts.models import User
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions, selectors
from xinyuan.hotline.tests.factories import start_contact
from xinyuan.operations.tests.factories import shift

PANEL = "/alerts/panel/"


class OnDutyFromTheRotaTests(PersonaMixin, TestCase):
    def setUp(self):
        # Nobody has the toggle on: only the rota decides.
        User.objects.filter(organisation=self.p.org).update(is_on_duty=False)
        self.p.supervisor.refresh_from_db()

    def raise_alert(self):
        contact = start_contact(self.p.counsellor)
        return actions.do_raise_alert(actor=self.p.counsellor, contact=contact, level="high")

    def test_a_supervisor_on_shift_now_is_on_duty_without_the_toggle(self):
        now = timezone.now()
        shift(self.p.seat, now - timedelta(hours=1), hours=3, user=self.p.supervisor)
        self.assertEqual(selectors.supervisors_on_duty(self.p.org.pk), 1)
        alert = self.raise_alert()
        self.assertIsNone(alert.escalated_at, "someone is on duty: not escalated at once")
        html = client_for(self.p.supervisor).get(PANEL).content.decode()
        self.assertIn('data-testid="risk-alert"', html)
        # The other centre's supervisor sees nothing of it.
        self.assertEqual(selectors.supervisors_on_duty(self.p.other_org.pk), 1)  # the toggle

    def test_a_supervisor_whose_shift_ended_is_not(self):
        now = timezone.now()
        shift(self.p.seat, now - timedelta(hours=4), hours=3, user=self.p.supervisor)
        shift(self.p.seat, now + timedelta(minutes=5), hours=3, user=self.p.supervisor)
        self.assertEqual(selectors.supervisors_on_duty(self.p.org.pk), 0)
        alert = self.raise_alert()
        self.assertIsNotNone(alert.escalated_at, "nobody on duty: escalated at once")
        # Escalated alerts reach every supervisor anyway; an unescalated one would not:
        contact = start_contact(self.p.counsellor)
        from xinyuan.hotline.models import RiskAlert

        quiet = RiskAlert.objects.create(
            organisation=self.p.org, contact=contact, level="high", raised_by=self.p.counsellor
        )
        shown = selectors.alerts_shown_to(self.p.supervisor)
        self.assertNotIn(quiet, shown)
        self.assertIn(alert, shown)

    def test_the_toggle_still_overrides(self):
        User.objects.filter(pk=self.p.supervisor.pk).update(is_on_duty=True)
        self.assertEqual(selectors.supervisors_on_duty(self.p.org.pk), 1)

    def test_two_shifts_now_count_one_person_once(self):
        now = timezone.now()
        from xinyuan.hotline.models import Seat

        other = Seat.objects.create(organisation=self.p.org, code="B01")
        shift(self.p.seat, now - timedelta(hours=1), hours=3, user=self.p.supervisor)
        shift(other, now - timedelta(hours=1), hours=3, user=self.p.supervisor)
        self.assertEqual(selectors.supervisors_on_duty(self.p.org.pk), 1)

    def test_the_workstation_shows_the_shift_now_by_the_toggle(self):
        now = timezone.now()
        shift(self.p.seat, now - timedelta(hours=1), hours=3, user=self.p.supervisor)
        html = client_for(self.p.supervisor).get("/workstation/").content.decode()
        self.assertIn('data-testid="shift-now"', html)
        self.assertIn("A01", html.split('data-testid="shift-now"')[1][:400])
        self.assertIn("正在值班", html)
        other = client_for(self.p.director).get("/workstation/").content.decode()
        self.assertIn("当前不在排班中", other)
