"""The supervisors' alert panel: it cannot be flooded, genuine alerts stay on top, and the
poll every open page sends every 3 s costs one statement when nothing changed."""

import re
import time
from pathlib import Path

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from xinyuan.assessments.actions import do_submit, do_take_task
from xinyuan.assessments.models import HelpTask
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions
from xinyuan.hotline.alerts import MAX_LINES
from xinyuan.hotline.models import RiskAlert
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact

PANEL = "/alerts/panel/"
SERIOUS = [0] * 8 + [2]  # PHQ-9 item 9: an urgent task


def fingerprint(html: str) -> str:
    return re.search(r'data-fingerprint="([0-9a-f]+)"', html).group(1)


def lines(html: str) -> list[str]:
    """The test ids of the panel's lines, in order."""
    return re.findall(r'data-testid="(risk-alert|self-test-alert)"', html)


class AlertPanelTests(PersonaMixin, TestCase):
    def setUp(self):
        self.supervisor = client_for(self.p.supervisor)
        self.n = 0

    def self_test(self, **kwargs):
        self.n += 1
        result, _new = do_submit(
            scale_code="phq9", answers=SERIOUS, organisation=self.p.org,
            submission_key=f"k{self.n}", language="zh-hans", **kwargs,
        )  # fmt: skip
        return result.tasks.get()

    def high(self):
        contact = start_contact(self.p.counsellor)
        return actions.do_raise_alert(actor=self.p.counsellor, contact=contact, level="high")

    def panel(self, client=None) -> str:
        response = (client or self.supervisor).get(PANEL)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_counts_by_kind_then_the_most_severe_and_newest_first(self):
        self.self_test()
        high = self.high()
        imminent = RiskAlert.objects.get(contact=high_risk_contact(self.p.counsellor))
        newer_high = self.high()
        html = self.panel()
        self.assertIn('data-testid="alert-count-contact"', html)
        self.assertRegex(html, r'data-testid="alert-count-contact">[^<]*\b3</span>')
        self.assertRegex(html, r'data-testid="alert-count-self_test">[^<]*\b1</span>')
        self.assertEqual(lines(html), ["risk-alert"] * 3 + ["self-test-alert"])
        order = [html.index(str(a.public_id)) for a in (imminent, newer_high, high)]
        self.assertEqual(order, sorted(order), "imminent, then high newest first")

    def test_a_flood_of_self_tests_never_hides_a_high_risk_contact(self):
        for _ in range(30):
            self.self_test()
        alert = self.high()
        html = self.panel()
        self.assertEqual(len(lines(html)), MAX_LINES, "never more than the fixed number")
        self.assertEqual(lines(html)[0], "risk-alert")
        self.assertIn(str(alert.public_id), html)
        self.assertRegex(html, r'data-testid="alert-count-self_test">[^<]*\b30</span>')
        more = re.search(r'data-testid="alerts-more".*?</div>', html, re.S).group(0)
        self.assertIn(str(30 - (MAX_LINES - 1)), more)
        self.assertIn('href="/assessments/tasks/"', more, "the rest are in the task list")

    def test_one_line_per_contact_and_acknowledging_it_clears_the_contact(self):
        contact = start_contact(self.p.counsellor)
        actions.do_raise_alert(actor=self.p.counsellor, contact=contact, level="high")
        raised = actions.do_raise_alert(actor=self.p.counsellor, contact=contact, level="imminent")
        self.assertEqual(RiskAlert.objects.filter(acknowledged_at__isnull=True).count(), 2)
        html = self.panel()
        self.assertEqual(lines(html), ["risk-alert"])
        self.assertIn('data-level="imminent"', html)
        self.assertRegex(html, r'data-testid="alert-count-contact">[^<]*\b1</span>')
        self.supervisor.post(f"/alerts/{raised.public_id}/acknowledge/", HTTP_HX_REQUEST="true")
        self.assertEqual(lines(self.panel()), [], "the older alert of the contact went too")
        self.assertFalse(RiskAlert.objects.filter(acknowledged_at__isnull=True).exists())

    def test_nothing_new_costs_the_session_the_user_and_one_statement(self):
        self.self_test()
        self.high()
        seen = fingerprint(self.panel())
        with CaptureQueriesContext(connection) as queries:
            response = self.supervisor.get(PANEL, {"seen": seen})
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.content, b"")
        # Exactly: the session row, the user row, the state of every alert source (one UNION
        # ALL) — 3 statements on SQLite and on PostgreSQL; no template, no session write.
        self.assertEqual(len(queries), 3, [q["sql"] for q in queries])
        self.assertIn("UNION ALL", queries[2]["sql"].upper())
        self.assertFalse(
            any(q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT")) for q in queries)
        )
        with self.assertTemplateNotUsed("hotline/partials/_alerts.html"):
            self.supervisor.get(PANEL, {"seen": seen})

    def test_an_empty_panel_is_cheap_too(self):
        seen = fingerprint(self.panel())
        with self.assertNumQueries(3):
            self.assertEqual(self.supervisor.get(PANEL, {"seen": seen}).status_code, 204)

    def test_a_new_alert_a_take_or_an_acknowledgement_elsewhere_changes_the_answer(self):
        task = self.self_test()
        seen = fingerprint(self.panel())
        alert = self.high()
        changed = self.supervisor.get(PANEL, {"seen": seen})
        self.assertEqual(changed.status_code, 200, "a new alert")
        seen = fingerprint(changed.content.decode())
        self.assertEqual(self.supervisor.get(PANEL, {"seen": seen}).status_code, 204)
        colleague = client_for(self.p.director)
        colleague.post(f"/alerts/{alert.public_id}/acknowledge/", HTTP_HX_REQUEST="true")
        changed = self.supervisor.get(PANEL, {"seen": seen})
        self.assertEqual(changed.status_code, 200, "acknowledged on another page")
        self.assertEqual(lines(changed.content.decode()), ["self-test-alert"])
        seen = fingerprint(changed.content.decode())
        do_take_task(actor=self.p.counsellor_b, task=HelpTask.objects.get(pk=task.pk))
        changed = self.supervisor.get(PANEL, {"seen": seen})
        self.assertEqual(changed.status_code, 200, "taken by a colleague")
        self.assertEqual(lines(changed.content.decode()), [])

    def test_a_stale_or_forged_fingerprint_gets_the_panel(self):
        self.high()
        for seen in ("", "0" * 20, "<script>"):
            with self.subTest(seen=seen):
                response = self.supervisor.get(PANEL, {"seen": seen})
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("<script>", response.content.decode())

    def test_another_centre_sees_none_of_it(self):
        self.self_test()
        self.high()
        html = self.panel(client_for(self.p.outsider_supervisor))
        self.assertEqual(lines(html), [])
        self.assertNotIn("alert-count", html)

    def test_the_poll_is_not_activity_for_the_idle_timeout(self):
        seen = fingerprint(self.panel())
        session = self.supervisor.session
        two_minutes_ago = time.time() - 120  # a page view would record activity now
        session["last_activity"] = two_minutes_ago
        session.save()
        self.supervisor.get(PANEL, {"seen": seen})
        self.supervisor.get(PANEL)
        self.assertEqual(self.supervisor.session["last_activity"], two_minutes_ago)


class AlertLayeringTests(TestCase):
    def test_hotline_knows_no_self_test_app(self):
        hotline = Path(__file__).resolve().parent.parent
        for name in ("alerts.py", "views/alerts.py"):
            with self.subTest(module=name):
                source = (hotline / name).read_text()
                self.assertNotRegex(source, r"(?m)^\s*(from|import)\s+xinyuan\.assessments")


class CompiledPanelStateTests(PersonaMixin, TestCase):
    """The poll's state is compiled once per shape of user (core/compiled.py): it must be what
    the ORM gives, for every persona, centre and state of the sources."""

    def test_the_compiled_state_is_the_orms_for_every_persona_and_centre(self):
        from xinyuan.hotline.alerts import _states, panel_state

        def orm(user):
            states = _states(user)
            return sorted(states) if states is not None else []

        def compiled(user):
            from xinyuan.hotline.alerts import _compiled_states, alert_sources

            shape = (
                user.role,
                user.is_active,
                user.is_on_duty,
                tuple(s.kind for s in alert_sources()),
            )
            values = {"organisation": user.organisation_id, "user": user.pk}
            return sorted(_compiled_states().rows(shape, values))

        users = [
            self.p.supervisor, self.p.director, self.p.counsellor, self.p.auditor,
            self.p.admin, self.p.outsider_supervisor,
        ]  # fmt: skip
        contact = start_contact(self.p.counsellor)
        for step in range(3):
            if step == 1:
                actions.do_raise_alert(actor=self.p.counsellor, contact=contact, level="high")
                high_risk_contact(self.p.outsider)
            if step == 2:
                do_submit(
                    scale_code="phq9", answers=SERIOUS, organisation=self.p.org,
                    submission_key="k-compiled", language="zh-hans",
                )  # fmt: skip
            for user in users:
                with self.subTest(step=step, user=user.username):
                    self.assertEqual(compiled(user), orm(user))
        self.assertEqual(len(orm(self.p.supervisor)), 2, "both kinds of alert were compared")
        self.assertEqual(panel_state(self.p.officer).counts, {}, "no centre: the ORM's way")
