"""Training and supervision (OP-03): sessions make a record per attendee, each required topic's
standing per person, the centre's overview with what runs out, the warning on the person's own
workstation, and supervision sessions that show contacts by number only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone, translation

from xinyuan.accounts.models import Role
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.operations import rules, selectors
from xinyuan.operations.actions.training import (
    do_record_supervision_session,
    do_record_training,
    do_record_training_session,
)
from xinyuan.operations.models import REQUIRED_TOPICS, TrainingRecord
from xinyuan.operations.tests.factories import closed_contact


def hold_all_topics(actor, person, *, expires_on=None, held_on=None):
    """Every required topic for ``person`` (one session per topic)."""
    held_on = held_on or timezone.localdate() - timedelta(days=100)
    for topic in REQUIRED_TOPICS:
        do_record_training_session(
            actor=actor,
            title=f"岗前培训：{topic.label}",
            topic=topic,
            held_on=held_on,
            hours=Decimal(3),
            attendees=[person],
            expires_on=expires_on,
        )


class TrainingActionTests(PersonaMixin, TestCase):
    def test_a_session_makes_one_record_per_attendee_and_is_audited(self):
        today = timezone.localdate()
        session = do_record_training_session(
            actor=self.p.supervisor,
            title="危机干预技术",
            topic="crisis",
            held_on=today,
            hours=Decimal("2.5"),
            trainer="王老师",
            attendees=[self.p.counsellor, self.p.counsellor_b, self.p.counsellor],
            expires_on=today + timedelta(days=365),
        )
        records = TrainingRecord.objects.filter(session=session).order_by("user__username")
        self.assertEqual([r.user for r in records], [self.p.counsellor, self.p.counsellor_b])
        self.assertEqual(
            {(r.topic, r.hours, r.completed_on) for r in records},
            {("crisis", Decimal("2.5"), today)},
        )
        event = AuditEvent.objects.get(target_id=session.public_id, action="create")
        self.assertEqual(event.changes["attendees"], ["07号", "08号"])

    def test_a_counsellor_may_not_record_training(self):
        with translation.override("zh-hans"), self.assertRaises(PermissionDenied) as caught:
            do_record_training_session(
                actor=self.p.counsellor,
                title="自学",
                topic="ethics",
                held_on=timezone.localdate(),
                hours=1,
                attendees=[self.p.counsellor],
            )
        self.assertEqual(str(caught.exception), "只有督导和主任可以登记培训。")
        self.assertFalse(TrainingRecord.objects.exists())

    def test_bad_input_is_refused_field_by_field_in_chinese(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            do_record_training_session(
                actor=self.p.supervisor,
                title=" ",
                topic="ethics",
                held_on=timezone.localdate() + timedelta(days=1),
                hours=0,
                attendees=[self.p.outsider],
            )
        errors = caught.exception.message_dict
        self.assertEqual(errors["title"], ["请填写培训名称。"])
        self.assertEqual(errors["held_on"], ["日期不能晚于今天。"])
        self.assertEqual(errors["attendees"], ["只能选择本中心在岗的工作人员。"])
        self.assertIn("hours", errors)
        self.assertFalse(TrainingRecord.objects.exists())

    def test_external_training_keeps_its_certificate(self):
        record = do_record_training(
            actor=self.p.director,
            person=self.p.counsellor,
            topic="assessment",
            title="自杀风险评估工作坊（市精神卫生中心）",
            hours=Decimal(12),
            completed_on=date(2026, 3, 1),
            expires_on=date(2028, 3, 1),
            certificate="SH-2026-0815",
        )
        self.assertEqual(record.certificate, "SH-2026-0815")
        self.assertIsNone(record.session)
        with self.assertRaises(ValidationError) as caught:
            do_record_training(
                actor=self.p.director,
                person=self.p.counsellor,
                topic="assessment",
                title="x",
                hours=1,
                completed_on=date(2026, 3, 1),
                expires_on=date(2026, 2, 1),
            )
        self.assertIn("expires_on", caught.exception.message_dict)


class TrainingStandingTests(PersonaMixin, TestCase):
    def test_each_required_topic_is_current_expiring_expired_or_missing(self):
        today = date(2026, 6, 1)
        sup = self.p.supervisor
        for topic, expires in (
            ("ethics", None),
            ("crisis", today + timedelta(days=30)),
            ("disorders", today - timedelta(days=1)),
            ("call_flow", today + timedelta(days=31)),
        ):
            do_record_training(
                actor=sup,
                person=self.p.counsellor,
                topic=topic,
                title="外部培训",
                hours=2,
                completed_on=date(2025, 1, 1),
                expires_on=expires,
            )
        # An older expired record of a topic does not hide a newer current one.
        do_record_training(
            actor=sup,
            person=self.p.counsellor,
            topic="disorders",
            title="复训",
            hours=2,
            completed_on=date(2024, 1, 1),
            expires_on=date(2024, 12, 31),
        )
        states = {
            s.topic: s.state for s in selectors.training_standing_of(self.p.counsellor, today)
        }
        self.assertEqual(
            states,
            {
                "ethics": "current",
                "crisis": "expiring",
                "disorders": "expired",
                "call_flow": "current",
                "assessment": "missing",
                "special_calls": "missing",
            },
        )
        # The same answer as the rota's rule.
        missing = set(selectors.missing_required_training(self.p.counsellor, today))
        self.assertEqual(missing, {"disorders", "assessment", "special_calls"})

    def test_the_overview_lists_everyone_who_takes_calls_in_two_queries(self):
        hold_all_topics(self.p.supervisor, self.p.counsellor)
        make_user("c3", self.p.org, Role.COUNSELLOR)
        make_user("c4", self.p.org, Role.COUNSELLOR)
        with self.assertNumQueries(2):
            people = selectors.training_overview(self.p.supervisor)
        names = {p.person.username: len(p.problems) for p in people}
        self.assertEqual(names["counsellor"], 0)
        self.assertEqual(names["c3"], len(REQUIRED_TOPICS))
        self.assertNotIn("director", names, "a director takes no calls")
        self.assertNotIn("outsider", names)
        self.assertEqual(selectors.training_overview(self.p.counsellor), [])


class TrainingPageTests(PersonaMixin, TestCase):
    def test_the_overview_warns_of_training_running_out(self):
        hold_all_topics(
            self.p.supervisor,
            self.p.counsellor,
            expires_on=timezone.localdate() + timedelta(days=10),
        )
        client = client_for(self.p.director)
        with self.assertNumQueries(6):  # session, user, staff, records, centre (nav), sessions
            page = client.get("/operations/training/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'data-testid="training-problems"')
        self.assertContains(page, 'data-testid="state-expiring"', count=len(REQUIRED_TOPICS))
        self.assertContains(page, "07号")
        self.assertNotContains(page, "99号", msg_prefix="no one of another centre")

    def test_the_workstation_warns_the_person_whose_training_expires_within_30_days(self):
        client = client_for(self.p.counsellor)
        hold_all_topics(
            self.p.supervisor,
            self.p.counsellor,
            expires_on=timezone.localdate() + timedelta(days=rules.EXPIRY_WARNING_DAYS + 5),
        )
        self.assertNotContains(client.get("/workstation/"), 'data-testid="training-warning"')
        do_record_training(
            actor=self.p.supervisor,
            person=self.p.counsellor,
            topic="ethics",
            title="伦理复训",
            hours=1,
            completed_on=timezone.localdate() - timedelta(days=700),
            expires_on=timezone.localdate() + timedelta(days=40),
        )
        TrainingRecord.objects.filter(user=self.p.counsellor, topic="crisis").update(
            expires_on=timezone.localdate() + timedelta(days=3)
        )
        page = client.get("/workstation/")
        self.assertContains(page, 'data-testid="training-warning"')
        self.assertContains(page, "危机")
        # Topics running out on the same day share one date.
        TrainingRecord.objects.filter(user=self.p.counsellor, topic="ethics").update(
            expires_on=timezone.localdate() + timedelta(days=3)
        )
        notice = client.get("/workstation/").content.decode()
        self.assertEqual(notice.count((timezone.localdate() + timedelta(days=3)).isoformat()), 1)
        self.assertNotContains(
            client_for(self.p.counsellor_b).get("/workstation/"),
            "您的培训即将到期",
            msg_prefix="only the person's own",
        )

    def test_my_training_shows_my_records_and_not_a_colleagues(self):
        hold_all_topics(self.p.supervisor, self.p.counsellor_b)
        do_record_training(
            actor=self.p.supervisor,
            person=self.p.counsellor,
            topic="ethics",
            title="伦理与保密（省心理学会）",
            hours=6,
            completed_on=date(2026, 1, 5),
            certificate="PX-77",
        )
        client = client_for(self.p.counsellor)
        with self.assertNumQueries(
            6
        ):  # session, user, standing, records, supervision, centre (nav)
            page = client.get("/operations/training/mine/")
        self.assertContains(page, "PX-77")
        self.assertContains(page, 'data-testid="state-missing"', count=len(REQUIRED_TOPICS) - 1)
        self.assertNotContains(page, "岗前培训")
        colleague = client.get(f"/operations/training/people/{self.p.counsellor_b.public_id}/")
        self.assertEqual(colleague.status_code, 403, "a counsellor sees only their own")

    def test_an_outsider_is_refused_a_persons_training(self):
        url = f"/operations/training/people/{self.p.counsellor.public_id}/"
        self.assertEqual(client_for(self.p.supervisor).get(url).status_code, 200)
        self.assertEqual(client_for(self.p.outsider_supervisor).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.outsider).get(url).status_code, 403)

    def test_recording_a_session_from_the_page(self):
        client = client_for(self.p.supervisor)
        data = {
            "title": "热线通话流程",
            "topic": "call_flow",
            "held_on": timezone.localdate().isoformat(),
            "hours": "3",
            "trainer": "",
            "attendees": [str(self.p.counsellor.pk)],
        }
        refused = client.post("/operations/training/sessions/new/", {**data, "hours": "0"})
        self.assertEqual(refused.status_code, 422)
        self.assertContains(refused, "热线通话流程", status_code=422, msg_prefix="kept as typed")
        done = client.post("/operations/training/sessions/new/", data)
        self.assertRedirects(done, "/operations/training/")
        self.assertEqual(TrainingRecord.objects.get().user, self.p.counsellor)
        counsellor = client_for(self.p.counsellor).post("/operations/training/sessions/new/", data)
        self.assertEqual(counsellor.status_code, 403, "wrong role")


class SupervisionTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.contact = closed_contact(cls.p.counsellor, caller_number="13912345678")

    def record(self, **overrides):
        data = dict(
            actor=self.p.supervisor,
            format="group",
            held_on=timezone.localdate(),
            hours=Decimal(2),
            supervisor=self.p.supervisor,
            attendees=[self.p.counsellor, self.p.counsellor_b],
            topics="高危来电的评估与转介",
            contacts=[self.contact],
        )
        data.update(overrides)
        return do_record_supervision_session(**data)

    def test_individual_supervision_is_for_one_counsellor(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            self.record(format="individual")
        self.assertEqual(caught.exception.message_dict["attendees"], ["个体督导只针对一名咨询员。"])
        self.record(format="individual", attendees=[self.p.counsellor])

    def test_an_unknown_contact_number_is_named(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            self.record(contacts=[], unknown_numbers=["2026-999999"])
        self.assertEqual(
            caught.exception.message_dict["contacts"],
            ["本中心没有编号为 2026-999999 的来电记录。"],
        )

    def test_lists_show_contacts_by_number_and_never_caller_data(self):
        self.record()
        self.record(attendees=[self.p.counsellor_b], format="individual", contacts=[])
        client = client_for(self.p.counsellor)
        with self.assertNumQueries(6):  # session, user, sessions, centre (nav), attendees, contacts
            page = client.get("/operations/supervision/")
        self.assertContains(page, 'data-testid="supervision-row"', count=1, msg_prefix="attended")
        self.assertContains(page, self.contact.number)
        self.assertNotContains(page, "13912345678")
        centre = client_for(self.p.director).get("/operations/supervision/")
        self.assertContains(centre, 'data-testid="supervision-row"', count=2)
        outsider = client_for(self.p.outsider_supervisor).get("/operations/supervision/")
        self.assertNotContains(outsider, 'data-testid="supervision-row"')

    def test_recording_from_the_page_by_contact_number(self):
        client = client_for(self.p.supervisor)
        data = {
            "format": "group",
            "held_on": timezone.localdate().isoformat(),
            "hours": "1.5",
            "supervisor": str(self.p.supervisor.pk),
            "attendees": [str(self.p.counsellor.pk), str(self.p.counsellor_b.pk)],
            "topics": "个案讨论",
            "contact_numbers": f"{self.contact.number}，2026-999999",
        }
        refused = client.post("/operations/supervision/new/", data)
        self.assertContains(refused, "2026-999999", status_code=422)
        data["contact_numbers"] = self.contact.number
        self.assertRedirects(
            client.post("/operations/supervision/new/", data), "/operations/supervision/"
        )
        session = selectors.supervision_sessions_visible_to(self.p.director).get()
        self.assertEqual([c.number for c in session.contacts.all()], [self.contact.number])
