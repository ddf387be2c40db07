"""The follow-up engine (CM-04, HL-06): the policy rule at its boundaries, the bookings it
makes, follow-ups booked by hand, intensified visits after a high-risk report, and the daily
escalation of overdue follow-ups in the app and by e-mail (a real SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.cases import rules
from xinyuan.cases.actions import escalation_mail, policy
from xinyuan.cases.actions import files as file_actions
from xinyuan.cases.models import FollowUp, FollowUpEscalation, FollowUpStatus
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.core.tests.smtp import smtp_settings, start_smtp
from xinyuan.hotline import rules as hotline_rules
from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up
from xinyuan.hotline.actions.person_files import do_open_file_from_contact
from xinyuan.hotline.tests.factories import high_risk_contact

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DAYS = (1, 7, 30, 90, 365)


def nxt(**kwargs):
    base = {
        "kind": "high_risk",
        "step": None,
        "anchor": T0,
        "now": T0 + timedelta(days=1),
        "schedule_days": DAYS,
        "programme_every_days": 182,
        "intensified_every_days": 3,
        "report_open": False,
        "file_open": False,
    }
    return rules.next_follow_up(**{**base, **kwargs})


class PolicyRuleTests(SimpleTestCase):
    def test_the_schedule_after_a_high_risk_contact(self):
        self.assertEqual(nxt(), ("schedule", 1, T0 + timedelta(days=7)))
        self.assertEqual(
            nxt(kind="schedule", step=1, now=T0 + timedelta(days=7)),
            ("schedule", 2, T0 + timedelta(days=30)),
        )
        # The last step: nothing more for a person without a file, the programme with one.
        self.assertIsNone(nxt(kind="schedule", step=4, now=T0 + timedelta(days=365)))
        now = T0 + timedelta(days=365)
        self.assertEqual(
            nxt(kind="schedule", step=4, now=now, file_open=True),
            ("programme", None, now + timedelta(days=182)),
        )

    def test_a_step_already_past_is_booked_for_tomorrow(self):
        late = T0 + timedelta(days=40)  # the 1-month step (day 30) is past
        self.assertEqual(
            nxt(kind="schedule", step=1, now=late), ("schedule", 2, late + timedelta(days=1))
        )

    def test_an_open_report_intensifies_and_keeps_the_step(self):
        now = T0 + timedelta(days=2)
        self.assertEqual(
            nxt(kind="schedule", step=1, now=now, report_open=True),
            ("intensified", 1, now + timedelta(days=3)),
        )
        # When the report is closed the schedule resumes where it was.
        self.assertEqual(nxt(kind="intensified", step=1, now=now)[:2], ("schedule", 2))
        # An intensified follow-up outside any schedule falls back to the programme.
        self.assertEqual(
            nxt(kind="intensified", step=None, now=now, file_open=True)[0], "programme"
        )

    def test_manual_and_programme_follow_ups_continue_only_in_the_programme(self):
        self.assertIsNone(nxt(kind="manual"))
        self.assertEqual(nxt(kind="programme", file_open=True)[0], "programme")

    def test_schedule_validation(self):
        self.assertIsNone(rules.schedule_problem([1, 7, 30]))
        self.assertEqual(rules.schedule_problem([]), "length")
        self.assertEqual(rules.schedule_problem([7, 7]), "order")
        self.assertEqual(rules.schedule_problem([0, 7]), "range")
        self.assertEqual(rules.schedule_problem([1, 731]), "range")
        self.assertEqual(rules.schedule_problem(list(range(1, 12))), "length")


def record_done(actor, follow_up, level="low"):
    return do_record_follow_up(
        actor=actor,
        follow_up=follow_up,
        status="done",
        data={
            "emotional_change": "better",
            "pain_level": 3,
            "hope_level": 6,
            "safety_status": "safe",
        },
        assessment={
            "factors": hotline_rules.RiskFactors(ideation=False),
            "final_level": level,
            "override_reason": "来电者已与家人同住，情绪平稳",
        },
    )


class EngineTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor)
        self.first = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )

    def test_a_done_follow_up_books_the_next_step_of_the_schedule(self):
        record_done(self.p.counsellor, self.first)
        following = FollowUp.objects.get(previous=self.first)
        self.assertEqual((following.kind, following.schedule_step), ("schedule", 1))
        self.assertEqual(following.due_at, self.contact.started_at + timedelta(days=7))
        self.assertTrue(following.consent_given)

    def test_a_still_high_result_books_within_24_hours_not_the_schedule(self):
        record_done(self.p.counsellor, self.first, level="high")
        following = FollowUp.objects.get(previous=self.first)
        self.assertEqual(following.kind, "high_risk")
        self.assertLessEqual(following.due_at, timezone.now() + timedelta(hours=24))

    def test_the_centres_policy_is_used_and_versioned(self):
        saved = policy.do_save_follow_up_policy(
            actor=self.p.supervisor,
            data={"schedule_days": [1, 3], "programme_every_days": 30, "intensified_every_days": 2},
            version=0,
        )
        with self.assertRaises(ConflictError):
            policy.do_save_follow_up_policy(
                actor=self.p.director,
                data={
                    "schedule_days": [1],
                    "programme_every_days": 30,
                    "intensified_every_days": 2,
                },
                version=0,
            )
        with self.assertRaises(PermissionDeniedError):
            policy.do_save_follow_up_policy(
                actor=self.p.counsellor,
                data={
                    "schedule_days": [1],
                    "programme_every_days": 30,
                    "intensified_every_days": 2,
                },
                version=saved.version,
            )
        with self.assertRaises(ValidationError) as caught:
            policy.do_save_follow_up_policy(
                actor=self.p.supervisor,
                data={
                    "schedule_days": [3, 1],
                    "programme_every_days": 200,
                    "intensified_every_days": 0,
                },
                version=saved.version,
            )
        self.assertEqual(
            set(caught.exception.message_dict),
            {"schedule_days", "programme_every_days", "intensified_every_days"},
        )
        record_done(self.p.counsellor, self.first)
        following = FollowUp.objects.get(previous=self.first)
        self.assertEqual(following.due_at, self.contact.started_at + timedelta(days=3))

    def test_a_high_risk_report_intensifies_the_visits(self):
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=self.contact)
        record_done(self.p.counsellor, self.first)  # the schedule's day-7 step is booked
        file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=person,
            data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
        )
        soon = FollowUp.objects.filter(person=person, kind="intensified").get()
        self.assertLessEqual(soon.due_at, timezone.now() + timedelta(hours=24))
        record_done(self.p.counsellor, soon)
        again = FollowUp.objects.get(previous=soon)
        self.assertEqual(again.kind, "intensified")

    def test_booking_by_hand_refuses_the_past_and_no_consent(self):
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=self.contact)
        with self.assertRaises(ValidationError) as caught:
            policy.do_book_file_follow_up(
                actor=self.p.counsellor,
                person=person,
                due_at=timezone.now() - timedelta(hours=1),
                assigned_to=self.p.outsider,
                consent_given=False,
            )
        self.assertEqual(
            set(caught.exception.message_dict), {"due_at", "consent_given", "assigned_to"}
        )
        booked = policy.do_book_file_follow_up(
            actor=self.p.counsellor,
            person=person,
            due_at=timezone.now() + timedelta(days=14),
            assigned_to=self.p.counsellor_b,
            consent_given=True,
            note="询问复诊情况",
        )
        self.assertEqual((booked.kind, booked.assigned_to), ("manual", self.p.counsellor_b))

    def test_the_page_keeps_what_was_typed_when_booking_is_refused(self):
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=self.contact)
        response = client_for(self.p.counsellor).post(
            reverse("cases:file-follow-up", args=[person.public_id]),
            {
                "due_at": "2020-01-01T09:00",
                "assigned_to": str(self.p.counsellor.public_id),
                "note": "询问睡眠",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "询问睡眠", status_code=422)
        self.assertContains(response, "不能预约在过去", status_code=422)


class EscalationTests(PersonaMixin, TestCase):
    def setUp(self):
        contact = high_risk_contact(self.p.counsellor)
        self.follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=contact, consent_given=True
        )
        FollowUp.objects.filter(pk=self.follow_up.pk).update(
            due_at=timezone.now() - timedelta(days=2)
        )
        self.p.supervisor.email = "sup@example.org"
        self.p.supervisor.save()
        self.p.director.email = "dir@example.org"
        self.p.director.save()

    def test_once_per_follow_up_and_day_until_handled(self):
        now = timezone.now()
        first = policy.do_escalate_overdue_follow_ups(now=now)
        self.assertEqual(first.created, 1)
        self.assertEqual(policy.do_escalate_overdue_follow_ups(now=now).created, 0)
        self.assertEqual(
            policy.do_escalate_overdue_follow_ups(now=now + timedelta(days=1)).created, 1
        )
        self.assertEqual(FollowUpEscalation.objects.count(), 2)
        events = AuditEvent.objects.filter(action="escalate")
        self.assertEqual(events.count(), 2)
        self.assertIn(str(self.follow_up.public_id), events.first().changes_json)
        FollowUp.objects.filter(pk=self.follow_up.pk).update(status=FollowUpStatus.CANCELLED)
        self.assertEqual(
            policy.do_escalate_overdue_follow_ups(now=now + timedelta(days=2)).overdue, 0
        )

    def test_the_e_mail_goes_once_to_the_supervisors_and_the_list_shows_it(self):
        inbox, port = start_smtp(self)
        with smtp_settings(port):
            policy.do_escalate_overdue_follow_ups()
            sent = escalation_mail.send_overdue_escalation_emails()
            again = escalation_mail.send_overdue_escalation_emails()
        self.assertEqual((sent.sent, sent.escalations, again.sent), (1, 1, 0))
        self.assertEqual(len(inbox.messages), 1)
        recipients, message = inbox.messages[0]
        self.assertEqual(sorted(recipients), ["dir@example.org", "sup@example.org"])
        body = message.get_content()
        self.assertIn(self.p.counsellor.work_name, body)
        self.assertIn("逾期", body)
        self.assertIn("随访", message["Subject"])
        page = client_for(self.p.supervisor).get(reverse("cases:follow-up-list") + "?overdue=1")
        self.assertContains(page, 'data-testid="escalated"')

    def test_a_refusing_server_leaves_the_e_mail_for_later(self):
        inbox, port = start_smtp(self)
        policy.do_escalate_overdue_follow_ups()
        with smtp_settings(port + 1):  # nobody listens there
            refused = escalation_mail.send_overdue_escalation_emails()
        self.assertEqual((refused.sent, refused.refused), (0, 1))
        self.assertTrue(FollowUpEscalation.objects.filter(emailed_at__isnull=True).exists())
        with smtp_settings(port):
            self.assertEqual(escalation_mail.send_overdue_escalation_emails().sent, 1)
        self.assertEqual(len(inbox.messages), 1)

    def test_a_claim_never_confirmed_is_sent_again_after_the_timeout(self):
        """The worker was killed after claiming, before the server took the e-mail: the claim
        is not confirmed (``mail_sent_at``), so a run after ``CLAIM_TIMEOUT`` sends it; a run
        before does not (it may still be on its way)."""
        inbox, port = start_smtp(self)
        now = timezone.now()
        policy.do_escalate_overdue_follow_ups(now=now)
        FollowUpEscalation.objects.update(emailed_at=now)  # claimed, then the worker died
        with smtp_settings(port):
            soon = escalation_mail.send_overdue_escalation_emails(now=now + timedelta(minutes=2))
            later = escalation_mail.send_overdue_escalation_emails(
                now=now + escalation_mail.CLAIM_TIMEOUT + timedelta(minutes=1)
            )
            again = escalation_mail.send_overdue_escalation_emails(
                now=now + 3 * escalation_mail.CLAIM_TIMEOUT
            )
        self.assertEqual((soon.sent, later.sent, again.sent), (0, 1, 0))
        self.assertEqual(len(inbox.messages), 1)
        self.assertFalse(FollowUpEscalation.objects.filter(mail_sent_at__isnull=True).exists())


class DangerGroundTests(PersonaMixin, TestCase):
    def test_an_intensified_follow_up_not_reached_is_booked_again_on_the_same_ground(self):
        contact = high_risk_contact(self.p.counsellor)
        first = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        # The contact's follow-up now belongs to the file (it was booked before the file).
        first.refresh_from_db()
        self.assertEqual(first.person_id, person.pk)
        file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=person,
            data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
        )
        FollowUp.objects.filter(pk=first.pk).update(status="cancelled")
        file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=person,
            data={"risk": "再次报告", "street_contact": "街道张主任", "method": "phone"},
        )
        intensified = FollowUp.objects.get(person=person, kind="intensified", status="scheduled")
        self.assertFalse(intensified.consent_given)
        do_record_follow_up(
            actor=self.p.counsellor,
            follow_up=intensified,
            status="unreachable",
            data={"notes": "无人接听"},
        )
        again = FollowUp.objects.get(previous=intensified)
        self.assertEqual(
            (again.kind, again.status, again.consent_given), ("intensified", "scheduled", False)
        )
        self.assertLessEqual(again.due_at, timezone.now() + timedelta(hours=24))

    def test_a_distant_booking_does_not_cancel_the_schedule(self):
        contact = high_risk_contact(self.p.counsellor)
        first = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        policy.do_book_file_follow_up(
            actor=self.p.counsellor,
            person=person,
            due_at=timezone.now() + timedelta(days=300),
            assigned_to=self.p.counsellor,
            consent_given=True,
        )
        first.refresh_from_db()
        record_done(self.p.counsellor, first)
        self.assertEqual(FollowUp.objects.get(previous=first).schedule_step, 1)
