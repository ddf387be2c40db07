from django.core.exceptions import ValidationError
from django.test import TestCase

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import Consent, FollowUp, FollowUpStatus
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions
from xinyuan.hotline.actions import do_book_follow_up, do_record_consent, do_withdraw_consent
from xinyuan.hotline.actions.disclosures import do_record_disclosure
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


class ConsentTests(PersonaMixin, TestCase):
    """PR-04: what was agreed, when, how, by whom for a minor; withdrawal respected at once."""

    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13800138000")

    def test_booking_a_follow_up_keeps_the_consent_and_withdrawal_cancels_it(self):
        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        consent = Consent.objects.get(purpose="follow_up")
        self.assertTrue(consent.is_active)
        do_withdraw_consent(actor=self.p.counsellor, consent=consent, note="不要再打给我")
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.status, FollowUpStatus.CANCELLED)
        self.assertFalse(
            FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED).exists(),
            "nothing is left on the due list",
        )
        event = AuditEvent.objects.get(action="consent_withdrawn")
        self.assertEqual(event.opened_reason(), "不要再打给我")
        with self.assertRaises(ValidationError):
            do_withdraw_consent(actor=self.p.counsellor, consent=consent)

    def test_a_child_under_14_needs_a_guardian(self):
        child = start_contact(self.p.counsellor)
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=child,
            version=child.version,
            changes={"caller_age_group": "under_14"},
        )
        child.refresh_from_db()
        with self.assertRaises(ValidationError) as raised:
            do_record_consent(
                actor=self.p.counsellor, contact=child, purpose="assessment", agreed=True
            )
        self.assertIn("by_guardian", raised.exception.message_dict)
        consent = do_record_consent(
            actor=self.p.counsellor,
            contact=child,
            purpose="assessment",
            agreed=True,
            by_guardian=True,
            guardian_relation="母亲",
        )
        self.assertEqual(consent.guardian_relation, "母亲")

    def test_sharing_with_consent_needs_a_consent_in_force(self):
        args = {
            "actor": self.p.counsellor,
            "contact": self.contact,
            "kind": "with_consent",
            "disclosed_to": "来电者的主治医生",
            "reason": "来电者同意转介",
        }
        with self.assertRaises(ValidationError):
            do_record_disclosure(**args)
        consent = do_record_consent(
            actor=self.p.counsellor, contact=self.contact, purpose="sharing", agreed=True
        )
        do_record_disclosure(**args)
        do_withdraw_consent(actor=self.p.counsellor, consent=consent)
        with self.assertRaises(ValidationError):
            do_record_disclosure(**args)

    def test_the_page_records_and_lists_consents(self):
        client = client_for(self.p.counsellor)
        url = f"/contacts/{self.contact.public_id}/consents/"
        response = client.post(url, {"purpose": "recording", "agreed": "0", "method": "verbal"})
        self.assertRedirects(response, f"/contacts/{self.contact.public_id}/#consents")
        page = client.get(f"/contacts/{self.contact.public_id}/")
        self.assertContains(page, "通话录音")
        bad = client.post(url, {"purpose": "recording", "method": "verbal"})
        self.assertEqual(bad.status_code, 422)

    def test_only_who_may_edit_the_contact_records_consent(self):
        for user in (self.p.counsellor_b, self.p.director, self.p.outsider):
            with self.assertRaises(PermissionDeniedError):
                do_record_consent(actor=user, contact=self.contact, purpose="sharing", agreed=True)


class ConsentAcrossContactsTests(PersonaMixin, TestCase):
    def setUp(self):
        self.first = start_contact(self.p.counsellor, caller_number="13800138000")
        self.later = start_contact(self.p.counsellor, caller_number="13800138000")
        self.assertEqual(self.first.person_id, self.later.person_id)

    def test_a_later_refusal_overrides_an_earlier_agreement(self):
        from xinyuan.cases.selectors import has_sharing_consent

        do_record_consent(
            actor=self.p.counsellor, contact=self.first, purpose="sharing", agreed=True
        )
        self.assertTrue(has_sharing_consent(self.later))
        do_record_consent(
            actor=self.p.counsellor, contact=self.later, purpose="sharing", agreed=False
        )
        self.assertFalse(has_sharing_consent(self.first))

    def test_a_consent_given_earlier_is_withdrawn_in_a_later_contact(self):
        consent = do_record_consent(
            actor=self.p.counsellor, contact=self.first, purpose="sharing", agreed=True
        )
        url = f"/contacts/{self.later.public_id}/consents/{consent.public_id}/withdraw/"
        response = client_for(self.p.counsellor).post(url, {"note": "不想再分享"})
        self.assertRedirects(response, f"/contacts/{self.later.public_id}/#consents")
        consent.refresh_from_db()
        self.assertIsNotNone(consent.withdrawn_at)
        other = start_contact(self.p.counsellor, caller_number="13900000000")
        with self.assertRaises(PermissionDeniedError):
            do_withdraw_consent(actor=self.p.counsellor, consent=consent, current_contact=other)


class RecordingConsentLinkTests(PersonaMixin, TestCase):
    """The contact's recording field and the recording consent records never disagree."""

    def setUp(self):
        self.contact = start_contact(self.p.counsellor)

    def set_field(self, value):
        self.contact = actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"recording_consent": value},
        )

    def recording_consents(self):
        return list(
            Consent.objects.filter(contact=self.contact, purpose="recording")
            .order_by("given_at", "pk")
            .values_list("agreed", "withdrawn_at")
        )

    def test_setting_the_field_records_the_answer_once(self):
        self.set_field("notice_given")
        self.assertEqual(self.recording_consents(), [(True, None)])
        self.set_field("not_recorded")
        self.set_field("notice_given")
        self.assertEqual(len(self.recording_consents()), 1, "the same answer is not repeated")
        self.set_field("declined")
        self.assertEqual([a for a, _w in self.recording_consents()], [True, False])

    def test_a_consent_on_the_card_sets_the_field(self):
        do_record_consent(
            actor=self.p.counsellor, contact=self.contact, purpose="recording", agreed=True
        )
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.recording_consent, "notice_given")
        self.assertEqual(len(self.recording_consents()), 1, "no second record from the field")
        event = AuditEvent.objects.filter(action="update", reason="consent").get()
        self.assertEqual(event.changes["recording_consent"], ["not_recorded", "notice_given"])

    def test_a_withdrawal_stops_recording_from_that_moment(self):
        self.contact = start_contact(self.p.counsellor, caller_number="13900139000")
        consent = do_record_consent(
            actor=self.p.counsellor, contact=self.contact, purpose="recording", agreed=True
        )
        later = start_contact(
            self.p.counsellor, caller_number="13900139000", recording_consent="notice_given"
        )
        do_withdraw_consent(
            actor=self.p.counsellor, consent=consent, note="不想被录音", current_contact=later
        )
        self.contact.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(self.contact.recording_consent, "declined")
        self.assertEqual(later.recording_consent, "declined")

    def test_a_child_under_14_cannot_agree_to_recording_alone(self):
        self.contact = actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"caller_age_group": "under_14"},
        )
        with self.assertRaises(ValidationError) as raised:
            self.set_field("notice_given")
        self.assertIn("recording_consent", raised.exception.message_dict)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.recording_consent, "not_recorded", "nothing half-written")
        self.set_field("declined")
        self.assertEqual(self.recording_consents(), [(False, None)])
