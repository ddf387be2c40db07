from datetime import timedelta

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import FollowUp, Person
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact

RISK_HIGH = {
    "risk-ideation": "on",
    "risk-ideation_intensity": "8",
    "risk-hopelessness": "8",
    "risk-has_plan": "on",
    "risk-plan_timing": "within_week",
    "risk-method_lethality": "medium",
    "risk-last_attempt": "never",
}
RISK_NONE = {
    "risk-ideation_intensity": "0",
    "risk-hopelessness": "2",
    "risk-plan_timing": "none",
    "risk-method_lethality": "none",
    "risk-last_attempt": "never",
}


class FollowUpViewTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor, caller_number="13700000000")
        self.follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        self.url = reverse("hotline:follow-up-record", args=[self.follow_up.public_id])

    def test_the_due_list_marks_overdue_follow_ups(self):
        FollowUp.objects.filter(pk=self.follow_up.pk).update(
            due_at=timezone.now() - timedelta(hours=2)
        )
        response = client_for(self.p.counsellor).get(reverse("cases:follow-up-list"))
        self.assertContains(response, 'data-testid="overdue-count"')

    def test_the_selects_ask_for_a_choice_in_words_not_dashes(self):
        page = client_for(self.p.counsellor).get(self.url)
        self.assertNotContains(page, "---------")
        self.assertContains(page, '<option value="" selected>请选择…</option>', count=2)
        self.assertContains(page, "最近一次判定的等级：<span")
        english = client_for(self.p.counsellor)
        english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = english.get(self.url)
        self.assertContains(page, '<option value="" selected>Choose…</option>', count=2)
        self.assertContains(page, "Level judged last: <span")
        self.assertNotContains(page, "Level judged last：")

    def test_recording_a_still_high_follow_up_books_another(self):
        data = {
            "status": "done",
            "emotional_change": "worse",
            "pain_level": "9",
            "hope_level": "1",
            "safety_status": "at_risk",
            "quality_of_life": "2",
            "notes": "",
            **RISK_HIGH,
        }
        response = client_for(self.p.counsellor).post(self.url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.follow_up.refresh_from_db()
        # Derived high, but imminent was judged at the contact: the proposal keeps it.
        self.assertEqual(self.follow_up.risk_level, "imminent")
        self.assertTrue(FollowUp.objects.filter(previous=self.follow_up).exists())

    def test_missing_fields_are_explained_and_answers_kept(self):
        response = client_for(self.p.counsellor).post(
            self.url, {"status": "done", "pain_level": "4", **RISK_NONE}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'name="pain_level" value="4"', status_code=422)
        self.follow_up.refresh_from_db()
        self.assertEqual(self.follow_up.status, "scheduled")

    def test_the_outsider_gets_404(self):
        self.assertEqual(client_for(self.p.outsider).get(self.url).status_code, 404)


class CallerPanelTests(PersonaMixin, TestCase):
    def test_a_repeated_caller_shows_history_and_rule_but_never_the_number(self):
        for _ in range(6):
            contact = start_contact(self.p.counsellor, caller_number="13600000000")
        person = Person.objects.get()
        client = client_for(self.p.counsellor)
        client.post(
            reverse("cases:person-rule", args=[person.public_id]),
            {"management_rule": "每周一次，每次15-20分钟"},
        )
        page = client.get(reverse("hotline:contact-detail", args=[contact.public_id]))
        self.assertContains(page, 'data-testid="repeated-badge"')
        self.assertContains(page, "每周一次，每次15-20分钟")
        self.assertNotContains(page, "13600000000")
        self.assertNotContains(page, "identity-reveal")

    def test_a_supervisor_reveals_the_number_with_a_reason_and_it_is_audited(self):
        start_contact(self.p.counsellor, caller_number="13600000000")
        person = Person.objects.get()
        url = reverse("cases:identity-reveal", args=[person.public_id])
        no_reason = client_for(self.p.supervisor).post(url, {})
        self.assertNotContains(no_reason, "13600000000")
        response = client_for(self.p.supervisor).post(url, {"reason": "高危随访回拨"})
        self.assertContains(response, "13600000000")
        self.assertEqual(AuditEvent.objects.get(action="reveal").reason, "高危随访回拨")
        self.assertEqual(client_for(self.p.counsellor).post(url, {"reason": "x"}).status_code, 403)
        self.assertEqual(
            client_for(self.p.outsider_supervisor).post(url, {"reason": "x"}).status_code, 404
        )


class ManagementRuleViewTests(PersonaMixin, TestCase):
    def test_a_refused_rule_change_answers_403_and_changes_nothing(self):
        from xinyuan.hotline.tests.factories import start_contact

        person = start_contact(self.p.counsellor, caller_number="13800138000").person
        url = f"/cases/persons/{person.public_id}/rule/"
        response = client_for(self.p.counsellor_b).post(url, {"management_rule": "每周一次"})
        self.assertEqual(response.status_code, 403, "a caller this counsellor never handled")
        person.refresh_from_db()
        self.assertEqual(person.management_rule, "")
        allowed = client_for(self.p.counsellor).post(url, {"management_rule": "每周一次"})
        self.assertEqual(allowed.status_code, 302)
