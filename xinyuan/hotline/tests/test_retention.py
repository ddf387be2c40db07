from datetime import UTC, datetime, timedelta
from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.audit.triggers import lifted
from xinyuan.cases.models import CallerIdentity, FollowUp, Person
from xinyuan.cases.rules import retention_cutoff
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for, make_personas
from xinyuan.hotline import actions
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.actions.retention import apply_retention, do_set_legal_hold
from xinyuan.hotline.models import Contact, RiskAssessment, SafetyPlan
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


class RetentionRuleTests(TestCase):
    def test_the_cutoff_is_whole_calendar_years_and_never_under_three(self):
        now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
        self.assertEqual(retention_cutoff(now, 3), datetime(2023, 11, 29, 12, 0, tzinfo=UTC))
        self.assertEqual(retention_cutoff(now, 1), datetime(2023, 11, 29, 12, 0, tzinfo=UTC))
        self.assertEqual(retention_cutoff(now, 5), datetime(2021, 11, 29, 12, 0, tzinfo=UTC))
        leap = datetime(2028, 2, 29, tzinfo=UTC)
        self.assertEqual(retention_cutoff(leap, 3), datetime(2025, 2, 28, tzinfo=UTC))


class RetentionTests(PersonaMixin, TestCase):
    """HL-13: kept at least three years after the last activity, then anonymised."""

    def old_caller(self, number: str, years_ago: float = 4) -> Contact:
        contact = high_risk_contact(self.p.counsellor, caller_number=number)
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=contact,
            version=contact.version,
            changes={"problems": "与丈夫争吵后想死", "counsellor_notes": "住在某小区3栋"},
        )
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data={"people_to_call": "姐姐 13900000000"}
        )
        do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        then = timezone.now() - timedelta(days=365 * years_ago)
        Contact.objects.filter(pk=contact.pk).update(started_at=then)
        FollowUp.objects.filter(contact=contact).update(due_at=then + timedelta(hours=20))
        Person.objects.filter(pk=contact.person_id).update(last_contact_at=then)
        return Contact.objects.get(pk=contact.pk)

    def test_an_expired_caller_is_anonymised_and_the_coded_data_kept(self):
        old = self.old_caller("13800000001")
        recent = self.old_caller("13800000002", years_ago=2)
        report = apply_retention()
        self.assertEqual((report.persons, report.contacts, report.identities), (1, 1, 1))
        old.refresh_from_db()
        self.assertEqual((old.problems, old.counsellor_notes, old.identity_id), ("", "", None))
        self.assertIsNotNone(old.anonymised_at)
        self.assertEqual(old.risk_level, "imminent", "coded data stays for statistics")
        self.assertEqual(SafetyPlan.objects.get(contact=old).people_to_call, "")
        self.assertEqual(RiskAssessment.objects.get(contact=old).plan_method, "")
        self.assertFalse(
            RiskAssessment.objects.filter(follow_up__contact=old).exclude(plan_method="").exists(),
            "follow-up assessments are anonymised too",
        )
        self.assertFalse(CallerIdentity.objects.filter(person_id=old.person_id).exists())
        recent.refresh_from_db()
        self.assertEqual(recent.problems, "与丈夫争吵后想死", "two years old: kept whole")
        summary = AuditEvent.objects.get(action="retention", target_type="system")
        self.assertIn('"persons":1', summary.changes_json)
        per_person = AuditEvent.objects.get(action="retention", target_type="cases.person")
        self.assertEqual(per_person.organisation_id, self.p.org.pk, "the centre's auditor sees it")
        self.assertEqual(apply_retention().persons, 0, "a second run finds nothing more")

    def test_a_recent_follow_up_keeps_the_caller(self):
        old = self.old_caller("13800000003")
        FollowUp.objects.filter(contact=old).update(due_at=timezone.now() - timedelta(days=30))
        self.assertEqual(apply_retention().persons, 0)

    def test_a_legal_hold_keeps_the_whole_person(self):
        old = self.old_caller("13800000004")
        do_set_legal_hold(
            actor=self.p.director, contact=old, hold=True, reason="法院调取 (2026)1号"
        )
        report = apply_retention()
        self.assertEqual((report.persons, report.held_persons), (0, 1))
        old.refresh_from_db()
        self.assertEqual(old.problems, "与丈夫争吵后想死")
        do_set_legal_hold(actor=self.p.director, contact=old, hold=False)
        self.assertEqual(apply_retention().persons, 1)

    def test_a_lone_contact_follows_its_own_date(self):
        lone = start_contact(self.p.counsellor)
        Contact.objects.filter(pk=lone.pk).update(
            purpose="匿名来电", started_at=timezone.now() - timedelta(days=365 * 4)
        )
        self.assertEqual(apply_retention().contacts, 1)
        lone.refresh_from_db()
        self.assertEqual(lone.purpose, "")

    def test_a_dry_run_changes_nothing(self):
        old = self.old_caller("13800000005")
        out = StringIO()
        call_command("apply_retention", "--dry-run", stdout=out)
        self.assertIn("Would anonymise 1 persons", out.getvalue())
        old.refresh_from_db()
        self.assertEqual(old.problems, "与丈夫争吵后想死")
        self.assertFalse(AuditEvent.objects.filter(action="retention").exists())

    @override_settings(RETENTION_YEARS=5)
    def test_a_centre_may_keep_records_longer(self):
        self.old_caller("13800000006")
        self.assertEqual(apply_retention().persons, 0)

    def test_only_a_director_of_the_centre_sets_a_hold_with_a_reason(self):
        contact = start_contact(self.p.counsellor)
        with self.assertRaises(PermissionDeniedError):
            do_set_legal_hold(
                actor=self.p.supervisor, contact=contact, hold=True, reason="理由充分的"
            )
        with self.assertRaises(ValidationError):
            do_set_legal_hold(actor=self.p.director, contact=contact, hold=True, reason="")
        response = client_for(self.p.director).post(
            f"/contacts/{contact.public_id}/legal-hold/", {"hold": "1", "reason": "纪检调查需要"}
        )
        self.assertRedirects(response, f"/contacts/{contact.public_id}/#retention")
        page = client_for(self.p.director).get(f"/contacts/{contact.public_id}/")
        self.assertContains(page, 'data-testid="legal-hold-badge"')
        self.assertContains(page, "纪检调查需要")


class SelfTestRetentionTests(PersonaMixin, TestCase):
    """Self-test results are activity; their call-back numbers expire like everything else."""

    def participant_with_result(self, days_ago: int):
        from xinyuan.assessments.actions import do_submit
        from xinyuan.assessments.models import Campaign, Participant, SelfAssessment

        campaign = Campaign.objects.create(
            organisation=self.p.org, name="筛查", scales=["phq9"], starts_on=timezone.localdate(),
            ends_on=timezone.localdate(), identified=True, slug=f"s{days_ago}",
            created_by=self.p.director,
        )  # fmt: skip
        person = Person.objects.create(organisation=self.p.org, label=f"E-{days_ago}")
        participant = Participant.objects.create(
            campaign=campaign, person=person, reference=f"E-{days_ago}", token=f"t{days_ago}"
        )
        result, _new = do_submit(scale_code="phq9", answers=[0] * 9, organisation=self.p.org,
                                 submission_key=f"k{days_ago}", language="zh-hans",
                                 campaign=campaign, participant=participant)  # fmt: skip
        then = timezone.now() - timedelta(days=days_ago)
        SelfAssessment.objects.filter(pk=result.pk).update(created_at=then)
        return person, result

    def test_a_recent_self_test_keeps_the_person_and_an_old_one_does_not(self):
        from xinyuan.assessments.actions import do_request_callback
        from xinyuan.assessments.models import HelpTask, Participant

        recent, _r = self.participant_with_result(days_ago=30)
        old, result = self.participant_with_result(days_ago=365 * 4)
        task = do_request_callback(assessment=result, phone="13800000000", preferred_time="")
        HelpTask.objects.filter(pk=task.pk).update(
            created_at=timezone.now() - timedelta(days=365 * 4)
        )
        report = apply_retention()
        self.assertEqual(report.persons, 1)
        recent.refresh_from_db()
        old.refresh_from_db()
        self.assertIsNone(recent.anonymised_at)
        self.assertEqual(recent.label, "E-30")
        self.assertIsNotNone(old.anonymised_at)
        self.assertNotIn("E-", old.label, "the organisation's reference is gone")
        references = dict(Participant.objects.values_list("person_id", "reference"))
        self.assertEqual(references[recent.pk], "E-30")
        self.assertNotIn("E-", references[old.pk], "also the campaign's reference")
        task.refresh_from_db()
        self.assertEqual((task.phone_encrypted, task.phone_hash), ("", ""))
        self.assertEqual(report.callback_numbers, 1)


class LegalHoldRequestTests(TransactionTestCase):
    """As gunicorn runs it: no test transaction around the request (it answered 500 when the
    action lacked its own transaction)."""

    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def test_a_director_sets_a_legal_hold_through_the_page(self):
        p = make_personas()
        contact = start_contact(p.counsellor)
        response = client_for(p.director).post(
            reverse("hotline:contact-legal-hold", args=[contact.public_id]),
            {"hold": "1", "reason": "法院调取 (2026)2号"},
        )
        self.assertEqual(response.status_code, 302)
        contact.refresh_from_db()
        self.assertTrue(contact.legal_hold)
        self.assertTrue(
            AuditEvent.objects.filter(action="legal_hold", target_id=contact.public_id).exists()
        )
