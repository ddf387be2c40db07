from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import CallerIdentity, FollowUp, Person
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline import actions, rules
from xinyuan.hotline.models import Contact, ContactType, RiskAlert
from xinyuan.hotline.tests.factories import (
    FULL_PLAN,
    HIGH_FACTORS,
    high_risk_contact,
    start_contact,
)


class StartContactTests(PersonaMixin, TestCase):
    def test_a_contact_is_recorded_with_an_audit_event_in_the_same_transaction(self):
        contact = start_contact(self.p.counsellor, seat=self.p.seat)
        self.assertEqual(contact.organisation, self.p.org)
        self.assertEqual(contact.counsellor, self.p.counsellor)
        event = AuditEvent.objects.get(target_id=contact.public_id, action="create")
        self.assertEqual(event.actor, self.p.counsellor)
        self.assertEqual(event.changes["seat"], "A01")

    def test_the_callers_number_is_stored_only_as_a_keyed_hash_and_ciphertext(self):
        start_contact(self.p.counsellor, caller_number="138 0000 1234")
        identity = CallerIdentity.objects.get()
        self.assertNotIn("13800001234", identity.value_hash)
        self.assertNotIn("13800001234", identity.encrypted_value)
        self.assertFalse(
            AuditEvent.objects.filter(changes_json__icontains="13800001234").exists(),
            "the number must not leak into the audit trail",
        )

    def test_the_same_number_in_another_format_finds_the_same_person(self):
        first = start_contact(self.p.counsellor, caller_number="13800001234")
        second = start_contact(self.p.counsellor, caller_number="+86 138-0000-1234")
        self.assertEqual(first.person_id, second.person_id)
        self.assertEqual(Person.objects.count(), 1)

    def test_the_same_number_in_another_organisation_is_another_person(self):
        start_contact(self.p.counsellor, caller_number="13800001234")
        start_contact(self.p.outsider, caller_number="13800001234")
        self.assertEqual(Person.objects.count(), 2)

    def test_a_sixth_contact_within_seven_days_marks_a_repeated_caller(self):
        base = timezone.now() - timedelta(days=6)
        for i in range(5):
            start_contact(
                self.p.counsellor, caller_number="13800001234", started_at=base + timedelta(hours=i)
            )
        person = Person.objects.get()
        self.assertFalse(person.is_repeated_caller, "5 contacts in 7 days is not more than 5")
        contact = start_contact(self.p.counsellor, caller_number="13800001234")
        person.refresh_from_db()
        self.assertTrue(person.is_repeated_caller)
        self.assertEqual(contact.contact_type, ContactType.REPEATED)

    def test_contacts_spread_over_more_than_seven_days_do_not_mark_a_repeated_caller(self):
        base = timezone.now() - timedelta(days=30)
        for i in range(6):
            start_contact(
                self.p.counsellor,
                caller_number="13800001234",
                started_at=base + timedelta(days=2 * i),
            )
        self.assertFalse(Person.objects.get().is_repeated_caller)

    def test_an_invalid_phone_number_is_refused_with_a_message(self):
        with self.assertRaises(ValidationError) as caught:
            start_contact(self.p.counsellor, caller_number="abc")
        self.assertIn("caller_number", caught.exception.message_dict)
        self.assertEqual(Contact.objects.count(), 0)

    def test_an_auditor_cannot_start_a_contact(self):
        with self.assertRaises(PermissionDeniedError):
            start_contact(self.p.auditor)


class UpdateContactTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor)

    def test_a_change_bumps_the_version_and_records_old_and_new_values(self):
        updated = actions.do_update_contact(
            actor=self.p.counsellor, contact=self.contact, version=1, changes={"goal": "睡个好觉"}
        )
        self.assertEqual(updated.version, 2)
        event = AuditEvent.objects.filter(target_id=self.contact.public_id, action="update").get()
        self.assertEqual(event.changes["goal"], ["", "睡个好觉"])

    def test_a_stale_version_is_refused_and_nothing_is_overwritten(self):
        actions.do_update_contact(
            actor=self.p.counsellor, contact=self.contact, version=1, changes={"goal": "A"}
        )
        with self.assertRaises(ConflictError) as caught:
            actions.do_update_contact(
                actor=self.p.supervisor, contact=self.contact, version=1, changes={"goal": "B"}
            )
        self.assertEqual(caught.exception.current_version, 2)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.goal, "A")

    def test_an_invalid_value_is_refused_naming_the_field_and_nothing_is_written(self):
        with self.assertRaises(ValidationError) as caught:
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=self.contact,
                version=1,
                changes={"goal": "ok", "goal_attainment": 11},
            )
        self.assertIn("goal_attainment", caught.exception.message_dict)
        self.contact.refresh_from_db()
        self.assertEqual((self.contact.goal, self.contact.version), ("", 1))

    def test_a_field_outside_the_record_cannot_be_changed(self):
        with self.assertRaises(ValidationError):
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=self.contact,
                version=1,
                changes={"organisation": self.p.other_org},
            )

    def test_another_counsellor_cannot_change_the_contact(self):
        with self.assertRaises(PermissionDeniedError):
            actions.do_update_contact(
                actor=self.p.counsellor_b, contact=self.contact, version=1, changes={"goal": "x"}
            )

    def test_harassment_is_ended_and_flagged(self):
        contact = actions.do_end_harassment_contact(
            actor=self.p.counsellor, contact=self.contact, version=1
        )
        contact.refresh_from_db()
        self.assertTrue(contact.is_flagged)
        self.assertEqual(contact.status, "closed")
        self.assertEqual(contact.contact_type, ContactType.HARASSMENT)
        self.assertIsNotNone(contact.ended_at)


class AssessRiskTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor)

    def assess(self, factors, **kwargs):
        return actions.do_assess_risk(
            actor=self.p.counsellor, contact=self.contact, factors=factors, **kwargs
        )

    def test_the_derived_level_rule_version_and_reasons_are_kept(self):
        assessment = self.assess(HIGH_FACTORS)
        self.assertEqual(assessment.derived_level, rules.IMMINENT)
        self.assertEqual(assessment.final_level, rules.IMMINENT)
        self.assertEqual(assessment.rule_version, rules.RISK_RULE_VERSION)
        self.assertIn("plan_within_72h", assessment.reason_codes)
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.risk_level, rules.IMMINENT)
        self.assertEqual(self.contact.contact_type, ContactType.SUICIDE_RISK)

    def test_an_override_needs_a_reason(self):
        with self.assertRaises(ValidationError) as caught:
            self.assess(rules.RiskFactors(), final_level=rules.HIGH)
        self.assertIn("override_reason", caught.exception.message_dict)
        assessment = self.assess(
            rules.RiskFactors(), final_level=rules.HIGH, override_reason="语气绝望，拒绝回答"
        )
        self.assertEqual((assessment.derived_level, assessment.final_level), ("low", "high"))

    def test_a_reassessment_never_silently_lowers_the_counsellors_level(self):
        self.assess(rules.RiskFactors(), final_level=rules.HIGH, override_reason="临床判断")
        second = self.assess(rules.RiskFactors())
        self.assertEqual(second.derived_level, rules.LOW)
        self.assertEqual(second.final_level, rules.HIGH, "the proposal keeps the earlier level")
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.risk_level, rules.HIGH)
        with self.assertRaises(ValidationError):
            self.assess(rules.RiskFactors(), final_level=rules.LOW)
        third = self.assess(rules.RiskFactors(), final_level=rules.LOW, override_reason="情绪平复")
        self.assertEqual(third.final_level, rules.LOW)
        self.assertEqual(self.contact.assessments.count(), 3, "every reassessment is kept")

    def test_a_high_level_alerts_the_supervisors_once(self):
        self.assess(HIGH_FACTORS)
        self.assess(HIGH_FACTORS)
        alert = RiskAlert.objects.get()
        self.assertEqual(alert.organisation, self.p.org)
        self.assertEqual(alert.level, rules.IMMINENT)

    def test_a_moderate_level_raises_no_alert(self):
        self.assess(rules.RiskFactors(ideation=True, ideation_intensity=5))
        self.assertFalse(RiskAlert.objects.exists())

    def test_an_acknowledged_alert_records_who_and_when(self):
        self.assess(HIGH_FACTORS)
        alert = actions.do_acknowledge_alert(actor=self.p.supervisor, alert=RiskAlert.objects.get())
        self.assertEqual(alert.acknowledged_by, self.p.supervisor)
        self.assertIsNotNone(alert.acknowledged_at)

    def test_a_supervisor_of_another_organisation_cannot_acknowledge(self):
        self.assess(HIGH_FACTORS)
        with self.assertRaises(PermissionDeniedError):
            actions.do_acknowledge_alert(
                actor=self.p.outsider_supervisor, alert=RiskAlert.objects.get()
            )

    def test_inconsistent_answers_are_refused_naming_the_field(self):
        with self.assertRaises(ValidationError) as caught:
            self.assess(rules.RiskFactors(ideation=False, ideation_intensity=4))
        self.assertIn("ideation_intensity", caught.exception.message_dict)


class FollowUpTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13900000000")

    def test_a_follow_up_needs_consent(self):
        from xinyuan.hotline.actions import do_book_follow_up

        with self.assertRaises(ValidationError) as caught:
            do_book_follow_up(actor=self.p.counsellor, contact=self.contact, consent_given=False)
        self.assertIn("consent_given", caught.exception.message_dict)

    def test_a_follow_up_is_due_within_24_hours(self):
        from xinyuan.hotline.actions import do_book_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        self.assertLessEqual(follow_up.due_at, timezone.now() + timedelta(hours=24))
        self.assertEqual(follow_up.person, self.contact.person)
        with self.assertRaises(ValidationError):
            do_book_follow_up(
                actor=self.p.counsellor,
                contact=self.contact,
                consent_given=True,
                due_at=timezone.now() + timedelta(hours=30),
            )

    def test_still_high_at_follow_up_books_the_next_one(self):
        from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        do_record_follow_up(
            actor=self.p.counsellor,
            follow_up=follow_up,
            status="done",
            data={"emotional_change": "same", "pain_level": 8, "hope_level": 2},
            assessment={"factors": HIGH_FACTORS},
        )
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.risk_level, rules.IMMINENT)
        nxt = FollowUp.objects.get(previous=follow_up)
        self.assertEqual(nxt.status, "scheduled")
        self.assertLessEqual(nxt.due_at, timezone.now() + timedelta(hours=24))

    def test_a_follow_up_that_is_no_longer_high_books_the_schedule_not_another_within_24h(self):
        from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        do_record_follow_up(
            actor=self.p.counsellor,
            follow_up=follow_up,
            status="done",
            data={"emotional_change": "better", "pain_level": 3, "hope_level": 7},
            assessment={
                "factors": rules.RiskFactors(),
                "final_level": rules.LOW,
                "override_reason": "情绪明显好转，已到医院就诊",
            },
        )
        # No follow-up within 24 hours: the centre's schedule books its next step (a week after
        # the contact, by default; cases.rules.next_follow_up).
        following = FollowUp.objects.get(previous=follow_up)
        self.assertEqual((following.kind, following.schedule_step), ("schedule", 1))
        self.assertEqual(following.due_at, self.contact.started_at + timedelta(days=7))

    def test_an_untouched_follow_up_assessment_keeps_the_contacts_level(self):
        from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        do_record_follow_up(
            actor=self.p.counsellor,
            follow_up=follow_up,
            status="done",
            data={"emotional_change": "same", "pain_level": 5, "hope_level": 5},
            assessment={"factors": rules.RiskFactors()},
        )
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.risk_level, rules.IMMINENT, "never silently lowered")
        self.assertTrue(FollowUp.objects.filter(previous=follow_up).exists())

    def test_cancelling_needs_a_reason(self):
        from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        with self.assertRaises(ValidationError):
            do_record_follow_up(
                actor=self.p.counsellor, follow_up=follow_up, status="cancelled", data={}
            )


class HighRiskCloseTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13900000000")

    def test_a_high_risk_contact_needs_a_safety_plan_and_a_follow_up_or_refusal(self):
        contact = high_risk_contact(self.p.counsellor)
        with self.assertRaises(ValidationError):
            actions.do_close_contact(
                actor=self.p.counsellor, contact=contact, version=contact.version, outcome="crisis"
            )
        plan = actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data={"people_to_call": "姐姐"}
        )
        with self.assertRaisesMessage(ValidationError, "自杀预警信号"):
            actions.do_close_contact(
                actor=self.p.counsellor, contact=contact, version=contact.version, outcome="crisis"
            )
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data=FULL_PLAN, version=plan.version
        )
        actions.do_record_follow_up_declined(
            actor=self.p.counsellor, contact=contact, reason="不愿被回访"
        )
        closed = actions.do_close_contact(
            actor=self.p.counsellor, contact=contact, version=contact.version, outcome="crisis"
        )
        self.assertEqual(closed.status, "closed")

    def test_a_high_risk_contact_cannot_be_ended_as_harassment(self):
        contact = high_risk_contact(self.p.counsellor)
        with self.assertRaises(ValidationError):
            actions.do_end_harassment_contact(
                actor=self.p.counsellor, contact=contact, version=contact.version
            )

    def test_a_repeated_callers_high_risk_shows_the_suicide_protocol(self):
        from xinyuan.hotline.protocols import steps_for

        keys = [key for key, _text in steps_for("repeated", "imminent")]
        self.assertIn("ask_ideation", keys)
        self.assertIn("rule", keys)

    def test_a_done_follow_up_needs_an_assessment(self):
        from xinyuan.hotline.actions import do_book_follow_up, do_record_follow_up

        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        with self.assertRaises(ValidationError):
            do_record_follow_up(
                actor=self.p.counsellor, follow_up=follow_up, status="done", data={}
            )


class RevealIdentityTests(PersonaMixin, TestCase):
    def test_a_supervisor_can_reveal_and_the_reveal_is_recorded(self):
        from xinyuan.cases.actions import do_reveal_identity

        start_contact(self.p.counsellor, caller_number="13800001234")
        identity = CallerIdentity.objects.get()
        value = do_reveal_identity(actor=self.p.supervisor, identity=identity, reason="回访")
        self.assertEqual(value, "13800001234")
        event = AuditEvent.objects.get(action="reveal")
        self.assertEqual((event.actor, event.reason), (self.p.supervisor, "回访"))

    def test_a_counsellor_cannot_reveal(self):
        from xinyuan.cases.actions import do_reveal_identity

        start_contact(self.p.counsellor, caller_number="13800001234")
        with self.assertRaises(PermissionDeniedError):
            do_reveal_identity(actor=self.p.counsellor, identity=CallerIdentity.objects.get())


class MergeTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor)

    def test_changes_to_different_fields_on_the_same_version_merge(self):
        actions.do_update_contact(
            actor=self.p.counsellor, contact=self.contact, version=1, changes={"goal": "A"}
        )
        # A switch that read version 1 posts the end of the call: no field in common.
        merged = actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=1,
            changes={"recording_url": "https://switch.example/r/1.wav"},
        )
        self.assertEqual(merged.version, 3)
        self.assertEqual(
            (merged.goal, merged.recording_url), ("A", "https://switch.example/r/1.wav")
        )

    def test_the_same_field_changed_since_the_version_conflicts_naming_it(self):
        actions.do_update_contact(
            actor=self.p.counsellor, contact=self.contact, version=1, changes={"goal": "A"}
        )
        with self.assertRaises(ConflictError) as caught:
            actions.do_update_contact(
                actor=self.p.supervisor,
                contact=self.contact,
                version=1,
                changes={"goal": "B", "problems": "x"},
            )
        self.assertIn(str(Contact._meta.get_field("goal").verbose_name), caught.exception.message)
        self.contact.refresh_from_db()
        self.assertEqual((self.contact.goal, self.contact.problems), ("A", ""))

    def test_a_version_from_the_future_is_refused(self):
        with self.assertRaises(ConflictError):
            actions.do_update_contact(
                actor=self.p.counsellor, contact=self.contact, version=7, changes={"goal": "A"}
            )


class DescribedPlanTests(PersonaMixin, TestCase):
    def test_a_described_method_without_the_plan_box_is_refused(self):
        contact = start_contact(self.p.counsellor)
        with self.assertRaises(ValidationError) as caught:
            actions.do_assess_risk(
                actor=self.p.counsellor,
                contact=contact,
                factors=rules.RiskFactors(ideation=True, ideation_intensity=3),
                plan_method="今晚吃药",
            )
        self.assertIn("has_plan", caught.exception.message_dict)
        self.assertFalse(contact.assessments.exists())
