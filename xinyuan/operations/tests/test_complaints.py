"""Complaints and feedback (HL-15): the public form beside the self-test portal (a reference,
nothing of anyone else's, flood-limited per device and network), entries by phone, handling to
an outcome with an overdue marker, and the counts the work report uses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, TestCase, override_settings
from django.utils import timezone, translation

from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.operations import selectors
from xinyuan.operations.actions.complaints import (
    FeedbackOrigin,
    do_handle_complaint,
    do_record_complaint,
    do_submit_feedback,
)
from xinyuan.operations.actions.training import do_record_training, do_record_training_session
from xinyuan.operations.models import Complaint, ComplaintStatus


def phone_entry(actor, text="接线员语气生硬", **kwargs):
    kwargs.setdefault("received_at", timezone.now())
    return do_record_complaint(actor=actor, kind="complaint", channel="phone", text=text, **kwargs)


class PublicFormTests(PersonaMixin, TestCase):
    def url(self):
        return f"/feedback/{self.p.org.public_id}/"

    def test_the_portal_links_to_the_form(self):
        page = Client().get("/s/")
        self.assertContains(page, f'href="{self.url()}"')

    def test_a_message_gets_a_reference_and_shows_nothing_of_other_messages(self):
        phone_entry(self.p.supervisor, text="另一位来电者的投诉内容")
        client = Client()
        sent = client.post(
            self.url(),
            {"kind": "suggestion", "text": "希望夜间也能接通", "reply_to": ""},
            REMOTE_ADDR="203.0.113.5",
        )
        self.assertRedirects(sent, f"/feedback/{self.p.org.public_id}/sent/")
        complaint = Complaint.objects.get(channel="public_form")
        self.assertEqual(complaint.text, "希望夜间也能接通")
        self.assertTrue(complaint.network_hash and complaint.device_hash)
        self.assertNotIn("203.0.113", complaint.network_hash, "only a keyed hash is kept")
        page = client.get(f"/feedback/{self.p.org.public_id}/sent/")
        self.assertContains(page, complaint.reference)
        self.assertNotContains(page, "另一位来电者")
        self.assertNotContains(page, "希望夜间也能接通")
        event = AuditEvent.objects.get(target_id=complaint.public_id, action="create")
        self.assertIsNone(event.actor)
        # Another browser sees no reference at all.
        self.assertRedirects(Client().get(f"/feedback/{self.p.org.public_id}/sent/"), self.url())

    def test_a_too_long_message_is_refused_and_kept(self):
        text = "太" * 2001
        page = Client().post(self.url(), {"kind": "complaint", "text": text})
        self.assertEqual(page.status_code, 422)
        self.assertContains(page, text, status_code=422)
        self.assertFalse(Complaint.objects.exists())

    def test_an_unknown_centre_is_not_found(self):
        self.assertEqual(
            Client().get("/feedback/00000000-0000-0000-0000-000000000000/").status_code, 404
        )

    @override_settings(FEEDBACK_DEVICE_LIMIT=2, FEEDBACK_NETWORK_LIMIT=3)
    def test_a_device_then_a_network_sending_many_is_refused(self):
        device = Client()
        for n in range(2):
            response = device.post(
                self.url(), {"kind": "complaint", "text": f"第{n}条"}, REMOTE_ADDR="198.51.100.7"
            )
            self.assertEqual(response.status_code, 302)
        refused = device.post(
            self.url(), {"kind": "complaint", "text": "第3条"}, REMOTE_ADDR="198.51.100.8"
        )
        self.assertEqual(refused.status_code, 429, "the same browser from another address")
        self.assertContains(refused, "短时间内", status_code=429)
        self.assertContains(refused, "第3条", status_code=429, msg_prefix="kept as typed")
        # Another browser on the first network: one more fits, then the network is full.
        other = Client()
        self.assertEqual(
            other.post(
                self.url(), {"kind": "praise", "text": "谢谢"}, REMOTE_ADDR="198.51.100.7"
            ).status_code,
            302,
        )
        self.assertEqual(
            Client()
            .post(self.url(), {"kind": "praise", "text": "谢谢"}, REMOTE_ADDR="198.51.100.7")
            .status_code,
            429,
        )
        self.assertEqual(Complaint.objects.count(), 3)
        # A network beyond its limit does not hold back another centre's form.
        elsewhere = Client().post(
            f"/feedback/{self.p.other_org.public_id}/",
            {"kind": "praise", "text": "谢谢"},
            REMOTE_ADDR="198.51.100.7",
        )
        self.assertEqual(elsewhere.status_code, 302)

    @override_settings(FEEDBACK_CENTRE_LIMIT=3)
    def test_a_flood_from_many_networks_stops_at_the_centres_limit(self):
        for n in range(3):
            response = Client().post(
                self.url(),
                {"kind": "complaint", "text": f"第{n}条"},
                REMOTE_ADDR=f"2001:db8:{n:x}::1",  # another /64 each time
            )
            self.assertEqual(response.status_code, 302)
        with self.assertLogs("xinyuan.operations.actions.complaints", "WARNING"):
            refused = Client().post(
                self.url(), {"kind": "complaint", "text": "第4条"}, REMOTE_ADDR="2001:db8:ff::1"
            )
        self.assertContains(refused, "短时间内", status_code=429)
        self.assertContains(refused, "第4条", status_code=429, msg_prefix="kept as typed")
        self.assertEqual(Complaint.objects.count(), 3)
        # Staff still record complaints received by phone; another centre's form is open.
        from django.utils import timezone

        from xinyuan.operations.actions.complaints import do_record_complaint

        do_record_complaint(
            actor=self.p.supervisor,
            kind="complaint",
            channel="phone",
            received_at=timezone.now(),
            text="电话投诉",
        )
        self.assertEqual(Complaint.objects.count(), 4)
        elsewhere = Client().post(
            f"/feedback/{self.p.other_org.public_id}/",
            {"kind": "praise", "text": "谢谢"},
            REMOTE_ADDR="2001:db8:ee::1",
        )
        self.assertEqual(elsewhere.status_code, 302)


class HandlingTests(PersonaMixin, TestCase):
    def test_a_phone_entry_and_its_handling_to_an_outcome(self):
        complaint = phone_entry(self.p.supervisor)
        self.assertEqual(complaint.entered_by, self.p.supervisor)
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            do_handle_complaint(
                actor=self.p.director, complaint=complaint, owner=None, status="resolved"
            )
        self.assertEqual(
            caught.exception.message_dict["outcome"], ["标记为已解决前，请填写处理结果。"]
        )
        taken = do_handle_complaint(
            actor=self.p.director, complaint=complaint, owner=None, status="in_progress"
        )
        self.assertEqual(taken.owner, self.p.director, "taking it up makes one the owner")
        done = do_handle_complaint(
            actor=self.p.director,
            complaint=complaint,
            owner=self.p.supervisor,
            status="resolved",
            outcome="已与当班咨询员谈话并回电致歉",
        )
        self.assertIsNotNone(done.resolved_at)
        events = AuditEvent.objects.filter(target_id=complaint.public_id).order_by("id")
        self.assertEqual([e.action for e in events], ["create", "update", "update"])
        self.assertEqual(events[2].changes["status"], ["in_progress", "resolved"])
        reopened = do_handle_complaint(
            actor=self.p.director,
            complaint=done,
            owner=self.p.supervisor,
            status="in_progress",
            outcome="来电者再次反映",
        )
        self.assertIsNone(reopened.resolved_at)

    def test_wrong_role_and_outsider_are_refused(self):
        with translation.override("zh-hans"), self.assertRaises(PermissionDenied) as caught:
            phone_entry(self.p.counsellor)
        self.assertEqual(str(caught.exception), "只有督导和主任可以登记投诉。")
        complaint = phone_entry(self.p.supervisor)
        with self.assertRaises(PermissionDenied):
            do_handle_complaint(
                actor=self.p.outsider_supervisor,
                complaint=complaint,
                owner=None,
                status="in_progress",
            )
        with self.assertRaises(ValidationError) as caught:
            do_handle_complaint(
                actor=self.p.director,
                complaint=complaint,
                owner=self.p.counsellor,
                status="in_progress",
            )
        self.assertIn("owner", caught.exception.message_dict)
        url = f"/operations/complaints/{complaint.public_id}/"
        self.assertEqual(client_for(self.p.outsider_supervisor).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.counsellor).get(url).status_code, 403)
        self.assertEqual(
            client_for(self.p.counsellor).get("/operations/complaints/").status_code, 403
        )

    @override_settings(COMPLAINT_OVERDUE_DAYS=15)
    def test_the_list_filters_by_status_and_marks_overdue_ones(self):
        old = phone_entry(self.p.supervisor, received_at=timezone.now() - timedelta(days=16))
        phone_entry(self.p.supervisor, received_at=timezone.now() - timedelta(days=1))
        resolved = phone_entry(self.p.supervisor, received_at=timezone.now() - timedelta(days=30))
        do_handle_complaint(
            actor=self.p.director,
            complaint=resolved,
            owner=None,
            status="resolved",
            outcome="已处理",
        )
        client = client_for(self.p.director)
        with self.assertNumQueries(4):  # session, user, entries with owner and enterer, centre
            page = client.get("/operations/complaints/")
        self.assertContains(page, 'data-testid="complaint-row"', count=3)
        self.assertContains(page, 'data-testid="complaint-overdue"', count=1)
        self.assertContains(page, old.reference)
        unresolved = client.get("/operations/complaints/?status=open")
        self.assertContains(unresolved, 'data-testid="complaint-row"', count=2)
        self.assertNotContains(unresolved, resolved.reference)
        only_resolved = client.get("/operations/complaints/?status=resolved")
        self.assertContains(only_resolved, 'data-testid="complaint-row"', count=1)
        outsider = client_for(self.p.outsider_supervisor).get("/operations/complaints/")
        self.assertNotContains(outsider, 'data-testid="complaint-row"')

    def test_entering_by_phone_from_the_page_keeps_bad_input(self):
        client = client_for(self.p.supervisor)
        data = {"kind": "complaint", "channel": "phone", "received_at": "", "text": "等待时间太长"}
        refused = client.post("/operations/complaints/new/", data)
        self.assertContains(refused, "等待时间太长", status_code=422)
        data["received_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        done = client.post("/operations/complaints/new/", data)
        complaint = Complaint.objects.get()
        self.assertRedirects(done, f"/operations/complaints/{complaint.public_id}/")
        handled = client.post(
            f"/operations/complaints/{complaint.public_id}/",
            {"owner": "", "status": "resolved", "outcome": ""},
        )
        self.assertContains(handled, "标记为已解决前，请填写处理结果。", status_code=422)


class SummaryTests(PersonaMixin, TestCase):
    def test_training_summary_counts_sessions_content_people_and_hours(self):
        day = timezone.localdate() - timedelta(days=3)
        for topic, attendees in (
            ("ethics", [self.p.counsellor, self.p.counsellor_b]),
            ("crisis", [self.p.counsellor]),
        ):
            do_record_training_session(
                actor=self.p.supervisor,
                title="培训",
                topic=topic,
                held_on=day,
                hours=Decimal(2),
                attendees=attendees,
            )
        do_record_training(
            actor=self.p.supervisor,
            person=self.p.supervisor,
            topic="assessment",
            title="外部",
            hours=Decimal(6),
            completed_on=day,
        )
        do_record_training_session(
            actor=self.p.supervisor,
            title="去年的培训",
            topic="ethics",
            held_on=day - timedelta(days=400),
            hours=Decimal(9),
            attendees=[self.p.counsellor],
        )
        summary = selectors.training_summary([self.p.org.pk], day - timedelta(days=1), day)
        self.assertEqual(summary.sessions, 2)
        self.assertEqual(summary.session_hours, Decimal(4))
        self.assertEqual(
            [(code, n) for code, _label, n, _h in summary.topics], [("ethics", 1), ("crisis", 1)]
        )
        self.assertEqual(summary.people_trained, 3)
        self.assertEqual(summary.person_hours, Decimal(12))
        other = selectors.training_summary([self.p.other_org.pk], day, day)
        self.assertEqual((other.sessions, other.people_trained), (0, 0))

    def test_complaints_summary_counts_by_kind_and_status_and_resolutions(self):
        today = timezone.localdate()
        a = phone_entry(self.p.supervisor)
        phone_entry(self.p.supervisor, text="占线太久")
        do_record_complaint(
            actor=self.p.supervisor,
            kind="praise",
            channel="letter",
            received_at=timezone.now(),
            text="感谢咨询员",
        )
        before = phone_entry(self.p.supervisor, received_at=timezone.now() - timedelta(days=40))
        do_handle_complaint(
            actor=self.p.director, complaint=before, owner=None, status="resolved", outcome="已回复"
        )
        do_handle_complaint(actor=self.p.director, complaint=a, owner=None, status="in_progress")
        do_submit_feedback(
            organisation=self.p.other_org,
            kind="complaint",
            text="别的中心",
            origin=FeedbackOrigin(),
        )
        summary = selectors.complaints_summary([self.p.org.pk], today - timedelta(days=7), today)
        self.assertEqual(summary.received, 3)
        self.assertEqual(summary.by_kind, {"complaint": 2, "suggestion": 0, "praise": 1})
        self.assertEqual(summary.by_status["in_progress"], 1)
        self.assertEqual(summary.by_status["received"], 2)
        self.assertEqual(summary.by_channel["letter"], 1)
        self.assertEqual(summary.by_status[ComplaintStatus.RESOLVED], 0)
        self.assertEqual(summary.resolved_in_period, 1, "resolved now, received earlier")


class FeedbackTransactionTests(ProductionTransactionTestCase):
    def test_a_public_message_and_its_audit_event_commit_together_and_a_refusal_leaves_nothing(
        self,
    ):
        p = make_personas()
        origin = FeedbackOrigin(device_hash="d" * 64, network_hash="n" * 64)
        complaint = do_submit_feedback(
            organisation=p.org, kind="praise", text="谢谢你们", origin=origin
        )
        self.assertTrue(AuditEvent.objects.filter(target_id=complaint.public_id).exists())
        with override_settings(FEEDBACK_DEVICE_LIMIT=1), self.assertRaises(ValidationError):
            do_submit_feedback(organisation=p.org, kind="praise", text="再次感谢", origin=origin)
        self.assertEqual(Complaint.objects.count(), 1)
