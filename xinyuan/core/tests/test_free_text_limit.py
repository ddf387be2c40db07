"""Free text has one limit (core/limits.py) in every HTML form and in the API: a pasted
1,000,000-character field is refused with a message naming the field and the limit, and
nothing of it is stored (neither in the record nor in an audit event)."""

from django import forms
from django.db.models.functions import Length
from django.test import TestCase
from django.urls import reverse

from xinyuan.audit.models import AuditEvent
from xinyuan.core.limits import FREE_TEXT_MAX_LENGTH
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.models import SafetyPlan
from xinyuan.hotline.tests.factories import start_contact

HUGE = "x" * 1_000_000


def html_forms() -> list[forms.BaseForm]:
    """One instance of every HTML form of the project."""
    from xinyuan.accounts import forms as account_forms
    from xinyuan.assessments import forms as assessment_forms
    from xinyuan.audit import forms as audit_forms
    from xinyuan.cases import forms as case_forms
    from xinyuan.hotline import forms as hotline_forms
    from xinyuan.hotline.actions import STAGE_FIELDS
    from xinyuan.reports import forms as report_forms

    found = []
    for module in (
        account_forms, assessment_forms, audit_forms, case_forms, hotline_forms, report_forms
    ):  # fmt: skip
        for name in dir(module):
            cls = getattr(module, name)
            if (
                isinstance(cls, type)
                and issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
            ):
                found.append(cls())
    found += [hotline_forms.stage_form_class(stage)() for stage in STAGE_FIELDS]
    return found


class FreeTextLimitTests(PersonaMixin, TestCase):
    def test_every_text_field_of_every_html_form_has_a_limit(self):
        checked = 0
        for form in html_forms():
            for name, field in form.fields.items():
                if not isinstance(field, forms.CharField) or isinstance(field, forms.UUIDField):
                    continue
                with self.subTest(form=type(form).__name__, field=name):
                    self.assertIsNotNone(field.max_length)
                    self.assertLessEqual(field.max_length, FREE_TEXT_MAX_LENGTH)
                    checked += 1
        self.assertGreater(checked, 30)

    def test_a_huge_stage_field_is_refused_by_autosave_and_nothing_is_stored(self):
        contact = start_contact(self.p.counsellor)
        events_before = AuditEvent.objects.count()
        url = reverse("hotline:contact-stage-save", args=[contact.public_id, 3])
        response = client_for(self.p.counsellor).post(
            url,
            {"version": str(contact.version), "s3-problems": HUGE, "s3-goal": "睡个好觉"},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(response, "alert-danger")
        status = response.content.decode()
        self.assertIn("问题清单", status, "the status line names the field")
        self.assertIn(str(FREE_TEXT_MAX_LENGTH), status, "and the limit")
        self.assertLess(len(status), 5_000, "the text is not echoed back")
        contact.refresh_from_db()
        self.assertEqual(contact.problems, "", "nothing of the huge field is stored")
        self.assertEqual(contact.goal, "睡个好觉", "the other fields are saved")
        longest = (
            AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - events_before]
            .annotate(n=Length("changes_json"))
            .values_list("n", flat=True)
        )
        self.assertLess(max(longest), 10_000, "no huge audit event")

    def test_a_huge_safety_plan_field_is_refused_and_nothing_is_stored(self):
        contact = start_contact(self.p.counsellor)
        url = reverse("hotline:contact-safety-plan", args=[contact.public_id])
        response = client_for(self.p.counsellor).post(
            url, {"warning_signs": HUGE, "coping_steps": "深呼吸"}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(response, "alert-danger")
        self.assertContains(response, "预警信号")
        self.assertContains(response, str(FREE_TEXT_MAX_LENGTH))
        self.assertFalse(SafetyPlan.objects.filter(contact=contact).exists())

    def test_the_limit_itself_is_accepted(self):
        contact = start_contact(self.p.counsellor)
        url = reverse("hotline:contact-safety-plan", args=[contact.public_id])
        client_for(self.p.counsellor).post(
            url, {"warning_signs": "x" * FREE_TEXT_MAX_LENGTH}, HTTP_HX_REQUEST="true"
        )
        self.assertEqual(
            len(SafetyPlan.objects.get(contact=contact).warning_signs), FREE_TEXT_MAX_LENGTH
        )

    def test_the_api_has_the_same_limit(self):
        from xinyuan.hotline.api import ContactPatch

        schema = ContactPatch.model_json_schema()
        self.assertEqual(schema["properties"]["problems"]["anyOf"][0]["maxLength"],
                         FREE_TEXT_MAX_LENGTH)  # fmt: skip


class TextWithoutAFormTests(PersonaMixin, TestCase):
    """Text posted to an action without a Django form has the same kind of limit."""

    def test_a_huge_reason_for_a_declined_follow_up_is_refused(self):
        contact = start_contact(self.p.counsellor)
        url = reverse("hotline:contact-follow-up-declined", args=[contact.public_id])
        page = client_for(self.p.counsellor).post(url, {"reason": HUGE}, follow=True)
        self.assertContains(page, str(FREE_TEXT_MAX_LENGTH))
        contact.refresh_from_db()
        self.assertEqual(contact.follow_up_declined, "")

    def test_a_legal_hold_reason_longer_than_its_column_is_refused(self):
        contact = start_contact(self.p.counsellor)
        url = reverse("hotline:contact-legal-hold", args=[contact.public_id])
        page = client_for(self.p.director).post(
            url, {"hold": "1", "reason": "法" * 301}, follow=True
        )
        self.assertContains(page, "300")
        contact.refresh_from_db()
        self.assertFalse(contact.legal_hold)

    def test_a_self_test_task_outcome_and_a_preferred_time_are_refused_when_too_long(self):
        from django.core.exceptions import ValidationError

        from xinyuan.assessments.actions import do_complete_task, do_request_callback, do_submit

        result, _new = do_submit(
            scale_code="phq9", answers=[0] * 8 + [2], organisation=self.p.org,
            submission_key="long", language="zh-hans",
        )  # fmt: skip
        task = result.tasks.get()
        with self.assertRaises(ValidationError) as caught:
            do_complete_task(actor=self.p.supervisor, task=task, outcome="x" * 2001)
        self.assertIn("2000", str(caught.exception))
        task.refresh_from_db()
        self.assertEqual((task.status, task.outcome), ("open", ""))
        with self.assertRaises(ValidationError):
            do_request_callback(assessment=result, phone="13800138000", preferred_time="晚" * 101)
        task.refresh_from_db()
        self.assertEqual(task.phone_encrypted, "")
