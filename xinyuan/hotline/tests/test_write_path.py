"""One write path: every change of a contact or a safety plan moves its version (and the
version of each field it changed) and writes its audit event, so a page that is out of date
can never silently set back what another write changed."""

from __future__ import annotations

from django.test import TestCase

from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import ConflictError
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.hotline import actions
from xinyuan.hotline.actions.retention import do_set_legal_hold
from xinyuan.hotline.models import Contact, SafetyPlan
from xinyuan.hotline.tests.factories import (
    FULL_PLAN,
    HIGH_FACTORS,
    high_risk_contact,
    start_contact,
)


class ContactWritePathTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor, caller_number="13800138000")

    def stale_frame_save(self, version: int):
        """The stage-0 autosave of a page opened at ``version``: it posts every field of the
        frame, including the type it showed then."""
        return client_for(self.p.counsellor).post(
            f"/contacts/{self.contact.public_id}/stages/0/",
            {
                "version": version,
                "s0-channel": "phone",
                "s0-contact_type": "general",
                "s0-recording_consent": "not_recorded",
            },
        )

    def test_a_stale_page_cannot_set_the_type_back_after_a_risk_assessment(self):
        opened_at = self.contact.version
        actions.do_assess_risk(actor=self.p.counsellor, contact=self.contact, factors=HIGH_FACTORS)
        response = self.stale_frame_save(opened_at)
        self.assertContains(response, 'data-testid="conflict"')
        contact = Contact.objects.get(pk=self.contact.pk)
        self.assertEqual(contact.contact_type, "suicide_risk", "the assessment's type stays")
        self.assertEqual(contact.risk_level, "imminent")

    def test_every_write_moves_the_version_and_is_audited(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13800138001")
        writes = [
            lambda c: actions.do_record_follow_up_declined(
                actor=self.p.counsellor, contact=c, reason="来电者说不需要回访"
            ),
            lambda c: do_set_legal_hold(
                actor=self.p.director, contact=c, hold=True, reason="法院调取材料（民初12号）"
            ),
            lambda c: actions.do_save_safety_plan(
                actor=self.p.counsellor, contact=c, data=FULL_PLAN
            ),
            lambda c: actions.do_close_contact(
                actor=self.p.counsellor, contact=c, version=c.version, outcome="crisis"
            ),
        ]
        for write in writes:
            before = Contact.objects.get(pk=contact.pk)
            version, events = before.version, AuditEvent.objects.count()
            write(before)
            after = Contact.objects.get(pk=contact.pk)
            if write is not writes[2]:  # the plan has a version of its own
                self.assertEqual(after.version, version + 1)
            self.assertGreater(AuditEvent.objects.count(), events)
        closed = Contact.objects.get(pk=contact.pk)
        self.assertEqual((closed.status, closed.outcome), ("closed", "crisis"))
        self.assertEqual(closed.field_versions["status"], closed.version)

    def test_ending_a_harassment_call_is_one_versioned_write(self):
        version = self.contact.version
        actions.do_end_harassment_contact(
            actor=self.p.counsellor, contact=self.contact, version=version
        )
        contact = Contact.objects.get(pk=self.contact.pk)
        self.assertEqual(contact.version, version + 1)
        self.assertEqual(
            (contact.status, contact.contact_type, contact.is_flagged),
            ("closed", "harassment", True),
        )
        event = AuditEvent.objects.get(action="flag")
        self.assertEqual(event.changes["status"], ["open", "closed"])

    def test_closing_keeps_the_outcome_chosen_in_stage_five(self):
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"outcome": "referred"},
        )
        contact = Contact.objects.get(pk=self.contact.pk)
        actions.do_close_contact(actor=self.p.counsellor, contact=contact, version=contact.version)
        self.assertEqual(Contact.objects.get(pk=self.contact.pk).outcome, "referred")


class SafetyPlanVersionTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13800138002")
        self.url = f"/contacts/{self.contact.public_id}/safety-plan/"
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=self.contact, data={"warning_signs": "失眠"}
        )
        self.opened = SafetyPlan.objects.get(contact=self.contact).version

    def plan_form(self, **fields):
        data = {
            "warning_signs": "失眠",
            "coping_steps": "",
            "people_to_call": "",
            "medical_institutions": "",
            "referral_advice": "",
            "handover_note": "",
        }
        return data | fields

    def test_two_people_never_silently_erase_each_others_fields(self):
        counsellor, supervisor = client_for(self.p.counsellor), client_for(self.p.supervisor)
        first = counsellor.post(
            self.url,
            self.plan_form(people_to_call="姐姐 13900000000", plan_version=self.opened),
        )
        self.assertContains(first, 'data-testid="saved"')
        # The supervisor's page was opened at the same version: it still shows an empty
        # "people to call" and posts it with the field they typed.
        second = supervisor.post(
            self.url, self.plan_form(coping_steps="深呼吸，给姐姐打电话", plan_version=self.opened)
        )
        self.assertContains(second, 'data-testid="conflict"')
        plan = SafetyPlan.objects.get(contact=self.contact)
        self.assertEqual(plan.people_to_call, "姐姐 13900000000", "not erased")
        self.assertEqual(plan.coping_steps, "", "the stale save wrote nothing")

    def test_a_save_answers_the_new_version_for_the_page(self):
        response = client_for(self.p.counsellor).post(
            self.url, self.plan_form(coping_steps="散步", plan_version=self.opened)
        )
        plan = SafetyPlan.objects.get(contact=self.contact)
        self.assertEqual(plan.version, self.opened + 1)
        expected = f'id="plan-version" name="plan_version" value="{plan.version}"'
        self.assertContains(response, expected)

    def test_the_action_refuses_a_stale_version(self):
        actions.do_save_safety_plan(
            actor=self.p.supervisor,
            contact=self.contact,
            data={"coping_steps": "散步"},
            version=self.opened,
        )
        with self.assertRaises(ConflictError):
            actions.do_save_safety_plan(
                actor=self.p.counsellor,
                contact=self.contact,
                data={"coping_steps": ""},
                version=self.opened,
            )


class ReadsAreAuditedTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13800138003")

    def test_a_page_shown_again_after_a_refused_post_is_an_audited_read(self):
        before = AuditEvent.objects.filter(action="view").count()
        response = client_for(self.p.counsellor).post(
            f"/contacts/{self.contact.public_id}/follow-ups/", {"consent_given": ""}
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(AuditEvent.objects.filter(action="view").count(), before + 1)

    def test_search_results_are_one_audited_read_naming_the_records(self):
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"problems": "失眠三个月"},
        )
        client_for(self.p.supervisor).get("/contacts/", {"q": "失眠"})
        event = AuditEvent.objects.get(action="list")
        self.assertEqual(event.changes["records"], [str(self.contact.public_id)])
        self.assertEqual(event.changes["filters"], ["q"], "the words searched are not kept")
        self.assertNotIn("失眠", event.changes_json)

    def test_the_auditor_finds_a_search_that_returned_a_record_by_the_record_and_person(self):
        """Found in a walk-through: the list event named the contact, but searching the trail
        by that contact or its person did not show it."""
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"problems": "失眠三个月"},
        )
        other = high_risk_contact(self.p.counsellor, caller_number="13800138004")
        client_for(self.p.supervisor).get("/contacts/", {"q": "失眠"})  # returns one of the two
        auditor = client_for(self.p.auditor)

        def listed(**query):
            page = auditor.get("/audit/", {"action": "list", **query})
            return len(page.context["events"])

        self.assertEqual(listed(record=self.contact.public_id), 1)
        self.assertEqual(listed(person=self.contact.person.label), 1)
        self.assertEqual(listed(record=other.public_id), 0, "not returned by that search")

    def test_disclosure_words_are_hidden_from_the_director_until_revealed(self):
        from xinyuan.hotline.actions.disclosures import do_record_disclosure

        do_record_disclosure(
            actor=self.p.counsellor,
            contact=self.contact,
            kind="danger_to_self",
            disclosed_to="来电者母亲 13700000000",
            reason="来电者已服药，通知家属陪同就医",
        )
        page = client_for(self.p.director).get(f"/contacts/{self.contact.public_id}/")
        self.assertNotContains(page, "来电者母亲")
        self.assertNotContains(page, "通知家属陪同就医")
        self.assertContains(page, 'data-testid="disclosure"')
        stored = AuditEvent.objects.get(action="disclose")
        self.assertNotIn("来电者母亲", stored.changes_json, "sealed in the trail")
        client_for(self.p.director).post(
            f"/contacts/{self.contact.public_id}/notes/reveal/",
            {"reason": "核实上报情况，处理家属投诉"},
        )
        page = client_for(self.p.director).get(f"/contacts/{self.contact.public_id}/")
        self.assertContains(page, "来电者母亲")


class OneRequestOneTransactionTests(ProductionTransactionTestCase):
    def test_a_patch_refused_for_its_close_saves_none_of_its_notes(self):
        p = make_personas()
        contact = high_risk_contact(p.counsellor)  # no safety plan: it may not close yet
        response = client_for(p.counsellor).patch(
            f"/api/v1/contacts/{contact.public_id}",
            data={"version": contact.version, "purpose": "来电者谈到失业", "status": "closed"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 422, response.content)
        after = Contact.objects.get(pk=contact.pk)
        self.assertEqual(after.purpose, "", "nothing of the refused request is saved")
        self.assertEqual((after.status, after.version), ("open", contact.version))

    def test_a_legal_hold_commits_with_its_audit_event(self):
        p = make_personas()
        contact = start_contact(p.counsellor)
        response = client_for(p.director).post(
            f"/contacts/{contact.public_id}/legal-hold/",
            {"hold": "1", "reason": "法院调取材料（民初12号）"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Contact.objects.get(pk=contact.pk).legal_hold)
        self.assertTrue(AuditEvent.objects.filter(action="legal_hold").exists())
