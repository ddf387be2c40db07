"""Crypto-shredding: the audit trail keeps clinical words sealed under the contact's own key;
retention and an approved erasure destroy the key, and the chain still verifies."""

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from xinyuan.audit.models import AuditEvent, SubjectKey
from xinyuan.audit.shred import SHREDDED
from xinyuan.audit.verify import verify_chain
from xinyuan.cases.models import Person
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions, rules
from xinyuan.hotline.actions.retention import apply_retention, do_anonymise_person_on_request
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import start_contact

NOTE = "住在某小区3栋，丈夫不知道"
REASON = "他说今晚会去江边"


class ShreddingTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor, caller_number="13800000009")
        self.contact = actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"counsellor_notes": NOTE, "caller_gender": "female"},
        )
        actions.do_assess_risk(
            actor=self.p.counsellor,
            contact=self.contact,
            factors=rules.RiskFactors(ideation=True, hopelessness=3),
            final_level="high",
            override_reason=REASON,
        )
        # The notes' change (the assessment then writes the level and type through the same path).
        self.note_event = (
            AuditEvent.objects.filter(action="update", target_id=self.contact.public_id)
            .order_by("id")
            .first()
        )
        self.assess_event = AuditEvent.objects.get(action="assess")

    def stored_text(self) -> str:
        return "".join(e.changes_json + e.reason for e in AuditEvent.objects.all().order_by("id"))

    def test_the_words_are_sealed_in_the_stored_trail(self):
        self.assertNotIn(NOTE, self.stored_text())
        self.assertNotIn(REASON, self.stored_text())
        self.assertEqual(self.note_event.changes["counsellor_notes"], ["", NOTE])
        self.assertEqual(
            self.note_event.raw_changes["caller_gender"], ["unknown", "female"], "coded"
        )
        self.assertEqual(self.assess_event.opened_reason(), REASON)
        self.assertEqual(SubjectKey.objects.count(), 1, "one key for the contact")

    def erase(self):
        Contact.objects.filter(pk=self.contact.pk).update(status="closed")
        do_anonymise_person_on_request(
            actor=self.p.director, person=self.contact.person, reference="批准-2026-7"
        )

    def test_an_erasure_shreds_the_words_and_the_chain_still_verifies(self):
        self.erase()
        self.assertFalse(SubjectKey.objects.exists())
        self.note_event.refresh_from_db()
        erased = str(SHREDDED)
        self.assertEqual(self.note_event.changes["counsellor_notes"], [erased, erased])
        self.assertEqual(self.assess_event.opened_reason(), erased)
        self.assertEqual(self.note_event.changes["caller_gender"], ["unknown", "female"])
        self.assertTrue(verify_chain().ok)
        erase_event = AuditEvent.objects.get(action="erase_on_request")
        self.assertEqual(erase_event.changes["audit_keys_destroyed"], 1)

    def test_the_contact_history_shows_the_words_then_their_erasure(self):
        page = client_for(self.p.supervisor).get(f"/contacts/{self.contact.public_id}/")
        self.assertContains(page, NOTE)
        self.assertContains(page, REASON)
        self.erase()
        page = client_for(self.p.supervisor).get(f"/contacts/{self.contact.public_id}/")
        self.assertNotContains(page, NOTE)
        self.assertContains(page, str(SHREDDED))

    def test_retention_shreds_an_expired_callers_words(self):
        then = timezone.now() - timedelta(days=365 * 4)
        Contact.objects.filter(pk=self.contact.pk).update(started_at=then, status="closed")
        Person.objects.filter(pk=self.contact.person_id).update(last_contact_at=then)
        report = apply_retention()
        self.assertEqual(report.persons, 1)
        self.assertFalse(SubjectKey.objects.exists())
        self.assertNotEqual(self.note_event.changes["counsellor_notes"][1], NOTE)
        self.assertTrue(verify_chain().ok)
