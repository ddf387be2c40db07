import json

from django.test import TestCase

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import CallerIdentity
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.actions.retention import do_set_legal_hold
from xinyuan.hotline.tests.factories import high_risk_contact


class PersonDataRightsTests(PersonaMixin, TestCase):
    """PIPL: a person gets a copy of their data, and erasure on an approved request."""

    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13800138000")
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"problems": "失业后整夜失眠"},
        )
        do_book_follow_up(actor=self.p.counsellor, contact=self.contact, consent_given=True)
        self.person = self.contact.person
        self.base = f"/persons/{self.person.public_id}/"

    def test_the_director_exports_everything_held_about_the_person(self):
        response = client_for(self.p.director).post(
            self.base + "export/",
            {"reference": "申请-2026-031", "notes_reason": "本人依法申请复制全部个人信息"},
        )
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertIn("attachment;", response["Content-Disposition"])
        data = json.loads(response.content)
        self.assertEqual(data["identities"], [{"kind": "phone", "value": "13800138000"}])
        (contact,) = data["contacts"]
        self.assertEqual(contact["problems"], "失业后整夜失眠")
        self.assertTrue(data["clinical_notes_included"])
        self.assertEqual(contact["counsellor"], "07号", "staff appear by work name only (HL-12)")
        self.assertEqual(contact["risk_assessments"][0]["final_level"], "imminent")
        self.assertEqual(len(contact["follow_ups"]), 1)
        self.assertEqual(data["self_assessments"], [], "self-test results are part of it")
        event = AuditEvent.objects.get(action="export")
        self.assertIn("申请-2026-031", event.changes_json)
        self.assertEqual(
            (event.target_type, event.target_id),
            ("cases.person", self.person.public_id),
            "the export names the person: the auditor finds it by person",
        )
        reveal = AuditEvent.objects.get(action="reveal_notes")
        self.assertEqual(reveal.target_id, self.contact.public_id)
        self.assertEqual(reveal.reason, "本人依法申请复制全部个人信息")

    def test_without_a_reason_the_export_leaves_the_notes_out(self):
        response = client_for(self.p.director).post(
            self.base + "export/", {"reference": "申请-2026-031"}
        )
        data = json.loads(response.content)
        (contact,) = data["contacts"]
        self.assertIsNone(contact["problems"], "field-level hiding holds in the export")
        self.assertFalse(data["clinical_notes_included"])
        self.assertEqual(contact["risk_assessments"][0]["final_level"], "imminent", "coded")
        self.assertNotIn("失业后整夜失眠", response.content.decode())
        self.assertFalse(AuditEvent.objects.filter(action="reveal_notes").exists())

    def test_after_reading_one_contacts_notes_the_export_form_still_asks_why(self):
        """Found in a walk-through: once the director had revealed this contact's notes, the
        page dropped the reason field, and the copy silently left every contact's notes out."""
        director = client_for(self.p.director)
        director.post(
            f"/contacts/{self.contact.public_id}/notes/reveal/", {"reason": "督导复核本次高危来电"}
        )
        page = director.get(f"/contacts/{self.contact.public_id}/")
        self.assertContains(page, "失业后整夜失眠")  # revealed: this contact's notes show
        self.assertContains(page, 'data-testid="export-notes-reason"')

    def test_the_auditor_finds_the_export_by_person(self):
        client_for(self.p.director).post(self.base + "export/", {"reference": "申请-2026-031"})
        page = client_for(self.p.auditor).get("/audit/", {"person": self.person.label})
        self.assertContains(page, "导出")

    def test_an_export_needs_the_request_reference(self):
        response = client_for(self.p.director).post(self.base + "export/", {"reference": ""})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEvent.objects.filter(action="export").exists())

    def finish_care(self):
        """The contact closed and the follow-up done: nothing is left in progress."""
        from xinyuan.cases.models import FollowUp
        from xinyuan.hotline.models import Contact

        Contact.objects.filter(pk=self.contact.pk).update(status="closed")
        FollowUp.objects.filter(person=self.person).update(status="done")

    def test_erasure_waits_until_nothing_is_in_progress(self):
        client_for(self.p.director).post(
            self.base + "erase/", {"reference": "批准-6", "confirm": "yes"}
        )
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.problems, "失业后整夜失眠", "an open contact is not erased")

    def test_erasure_on_an_approved_request(self):
        self.finish_care()
        client = client_for(self.p.director)
        unconfirmed = client.post(self.base + "erase/", {"reference": "批准-7"})
        self.assertEqual(unconfirmed.status_code, 302)
        self.assertTrue(CallerIdentity.objects.filter(person=self.person).exists())
        client.post(self.base + "erase/", {"reference": "批准-7", "confirm": "yes"})
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.problems, "")
        self.assertEqual(self.contact.risk_level, "imminent", "coded data stays")
        self.assertFalse(CallerIdentity.objects.filter(person=self.person).exists())
        self.assertEqual(AuditEvent.objects.get(action="erase_on_request").reason, "批准-7")

    def test_a_legal_hold_blocks_erasure(self):
        self.finish_care()
        do_set_legal_hold(
            actor=self.p.director, contact=self.contact, hold=True, reason="法院调取函 (2026)3号"
        )
        client_for(self.p.director).post(
            self.base + "erase/", {"reference": "批准-8", "confirm": "yes"}
        )
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.problems, "失业后整夜失眠")

    def test_only_the_director_of_the_centre(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor):
            response = client_for(user).post(self.base + "export/", {"reference": "x-1"})
            self.assertEqual(response.status_code, 403, user.username)
        from xinyuan.accounts.models import Role
        from xinyuan.core.testing import make_user

        other = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        response = client_for(other).post(self.base + "export/", {"reference": "x-1"})
        self.assertEqual(response.status_code, 404, "another centre's director never finds them")


class OverlongInputTests(PersonaMixin, TestCase):
    """Text that would be cut is refused with its limit: nothing is silently shortened."""

    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13800138009")
        self.base = f"/persons/{self.contact.person.public_id}/"

    def test_an_overlong_reference_or_reason_refuses_the_export(self):
        director = client_for(self.p.director)
        for data in (
            {"reference": "R" * 201},
            {"reference": "申请-1", "notes_reason": "理" * 1001},
        ):
            response = director.post(self.base + "export/", data, follow=True)
            self.assertNotIn("attachment", response.get("Content-Disposition", ""))
        self.assertFalse(AuditEvent.objects.filter(action__in=["export", "reveal_notes"]).exists())

    def test_an_overlong_reason_to_read_the_notes_is_refused(self):
        from django.core.exceptions import ValidationError

        from xinyuan.hotline.actions.notes import do_reveal_notes

        with self.assertRaises(ValidationError):
            do_reveal_notes(actor=self.p.director, contact=self.contact, reason="理" * 1001)
