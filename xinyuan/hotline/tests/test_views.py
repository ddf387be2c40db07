from django.test import TestCase
from django.urls import reverse

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.models import Contact, RiskAlert
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


def stage1_data(version, **overrides):
    data = {
        "version": str(version),
        "s1-about": "self",
        "s1-caller_gender": "female",
        "s1-caller_age_group": "25_34",
        "s1-caller_education": "college",
        "s1-caller_work_status": "employed",
        "s1-caller_marital_status": "single",
        "s1-caller_prior_treatment": "none",
        "s1-purpose": "失眠三周",
    }
    data.update(overrides)
    return data


class LoginRequiredTests(TestCase):
    def test_pages_redirect_to_login_and_health_is_public(self):
        for url in ("/workstation/", "/contacts/", "/cases/follow-ups/", "/alerts/panel/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/accounts/login/", response["Location"])
        self.assertEqual(self.client.get("/healthz").json(), {"status": "ok", "database": "ok"})

    def test_a_background_request_after_sign_out_navigates_to_sign_in(self):
        response = self.client.get("/alerts/panel/", headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 204, "nothing is swapped into the page")
        self.assertTrue(response["HX-Redirect"].startswith("/accounts/login/"))


class WorkstationTests(PersonaMixin, TestCase):
    def test_one_click_starts_a_contact_and_opens_it(self):
        client = client_for(self.p.counsellor)
        response = client.post(reverse("hotline:contact-start"), {"channel": "phone"})
        contact = Contact.objects.get()
        self.assertRedirects(response, reverse("hotline:contact-detail", args=[contact.public_id]))
        page = client.get(response["Location"]).content.decode()
        self.assertIn("测试心理援助热线", page, "the greeting names the centre")
        self.assertIn("07号", page, "the counsellor's alias is shown")

    def test_an_invalid_number_keeps_what_was_entered(self):
        client = client_for(self.p.counsellor)
        response = client.post(
            reverse("hotline:contact-start"), {"channel": "chat", "caller_number": "abc"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="abc"', status_code=422)
        self.assertFalse(Contact.objects.exists())

    def test_without_the_new_contact_card_the_lists_take_the_whole_width(self):
        counsellor = client_for(self.p.counsellor).get("/workstation/")
        self.assertContains(counsellor, 'data-testid="start-contact"')
        self.assertContains(counsellor, 'class="col-lg-8" data-testid="workstation-lists"')
        director = client_for(self.p.director).get("/workstation/")
        self.assertNotContains(director, 'data-testid="start-contact"')
        self.assertNotContains(director, "col-lg-4")
        self.assertContains(director, 'class="col-12" data-testid="workstation-lists"')

    def test_an_auditor_has_no_workstation(self):
        self.assertEqual(client_for(self.p.auditor).get("/workstation/").status_code, 403)


class StageSaveTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor)
        self.url = reverse("hotline:contact-stage-save", args=[self.contact.public_id, 1])

    def test_autosave_stores_the_stage_and_returns_the_new_version(self):
        client = client_for(self.p.counsellor)
        response = client.post(self.url, stage1_data(1), HTTP_HX_REQUEST="true")
        self.assertContains(response, 'data-testid="saved"')
        self.assertContains(response, 'value="2"')
        self.contact.refresh_from_db()
        self.assertEqual((self.contact.purpose, self.contact.caller_gender), ("失眠三周", "female"))

    def test_a_stale_version_shows_a_conflict_and_saves_nothing(self):
        client = client_for(self.p.counsellor)
        client.post(self.url, stage1_data(1), HTTP_HX_REQUEST="true")
        response = client.post(self.url, stage1_data(1, **{"s1-purpose": "其他"}))
        self.assertContains(response, 'data-testid="conflict"')
        self.contact.refresh_from_db()
        self.assertEqual(self.contact.purpose, "失眠三周")

    def test_an_invalid_choice_is_named_and_the_valid_fields_are_still_saved(self):
        response = client_for(self.p.counsellor).post(
            self.url, stage1_data(1, **{"s1-caller_gender": "robot"})
        )
        self.assertContains(response, "alert-danger")
        self.assertContains(response, "性别")
        self.contact.refresh_from_db()
        self.assertEqual(
            (self.contact.purpose, self.contact.caller_gender), ("失眠三周", "unknown")
        )

    def test_after_a_conflict_the_page_keeps_its_old_version(self):
        client = client_for(self.p.counsellor)
        client.post(self.url, stage1_data(1), HTTP_HX_REQUEST="true")
        response = client.post(self.url, stage1_data(1, **{"s1-purpose": "其他"}))
        self.assertContains(response, 'data-testid="conflict"')
        self.assertNotContains(response, 'id="contact-version"', msg_prefix="no silent catch-up")

    def test_a_foreign_next_is_not_followed(self):
        response = client_for(self.p.supervisor).post(
            reverse("hotline:duty-toggle"), {"on_duty": "0", "next": "https://evil.example/"}
        )
        self.assertEqual(response["Location"], reverse("hotline:workstation"))

    def test_the_outsider_gets_404(self):
        client = client_for(self.p.outsider)
        self.assertEqual(client.post(self.url, stage1_data(1)).status_code, 404)
        detail = reverse("hotline:contact-detail", args=[self.contact.public_id])
        self.assertEqual(client.get(detail).status_code, 404)

    def test_another_counsellor_of_the_same_centre_gets_404(self):
        detail = reverse("hotline:contact-detail", args=[self.contact.public_id])
        self.assertEqual(client_for(self.p.counsellor_b).get(detail).status_code, 404)

    def test_each_stage_page_renders(self):
        client = client_for(self.p.counsellor)
        detail = reverse("hotline:contact-detail", args=[self.contact.public_id])
        for stage in range(1, 6):
            response = client.get(detail, {"stage": stage})
            self.assertContains(response, f'data-testid="stage-form-{stage}"')


class RiskViewTests(PersonaMixin, TestCase):
    def test_a_high_risk_assessment_shows_the_crisis_protocol_and_alerts_supervisors(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        response = client.post(
            reverse("hotline:contact-risk", args=[contact.public_id]),
            {
                "ideation": "on",
                "ideation_intensity": "8",
                "hopelessness": "8",
                "has_plan": "on",
                "plan_timing": "within_72h",
                "method_lethality": "high",
                "means_at_hand": "on",
                "last_attempt": "never",
            },
        )
        self.assertEqual(response.status_code, 302)
        page = client.get(response["Location"])
        self.assertContains(page, 'data-testid="crisis-protocol"')
        panel = client_for(self.p.supervisor).get(reverse("hotline:alerts-panel"))
        self.assertContains(panel, 'data-testid="risk-alert"', count=1)
        other = client_for(self.p.outsider_supervisor).get(reverse("hotline:alerts-panel"))
        self.assertNotContains(other, 'data-testid="risk-alert"')
        self.assertEqual(client_for(self.p.counsellor).get("/alerts/panel/").status_code, 403)

    def test_an_override_without_reason_is_refused_keeping_the_answers(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            reverse("hotline:contact-risk", args=[contact.public_id]),
            {
                "ideation_intensity": "0",
                "hopelessness": "6",
                "plan_timing": "none",
                "method_lethality": "none",
                "last_attempt": "never",
                "final_level": "high",
            },
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'name="hopelessness" value="6"', status_code=422)
        self.assertFalse(contact.assessments.exists())

    def test_the_preview_explains_the_derived_level(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            reverse("hotline:contact-risk-preview", args=[contact.public_id]),
            {
                "act_in_progress": "on",
                "ideation_intensity": "0",
                "hopelessness": "0",
                "plan_timing": "none",
                "method_lethality": "none",
                "last_attempt": "never",
            },
        )
        self.assertContains(response, "risk-imminent")

    def test_acknowledging_removes_the_alert_from_the_panel(self):
        high_risk_contact(self.p.counsellor)
        alert = RiskAlert.objects.get()
        client = client_for(self.p.supervisor)
        response = client.post(
            reverse("hotline:alert-acknowledge", args=[alert.public_id]), HTTP_HX_REQUEST="true"
        )
        self.assertNotContains(response, 'data-testid="risk-alert"')


class ContactListTests(PersonaMixin, TestCase):
    def test_filters_and_scope(self):
        high_risk_contact(self.p.counsellor)
        start_contact(self.p.counsellor)
        start_contact(self.p.counsellor_b)
        start_contact(self.p.outsider)
        own = client_for(self.p.counsellor).get("/contacts/")
        self.assertEqual(len(own.context["page"]["rows"]), 2)
        org = client_for(self.p.supervisor).get("/contacts/")
        self.assertEqual(len(org.context["page"]["rows"]), 3)
        high = client_for(self.p.supervisor).get("/contacts/", {"risk_level": "imminent"})
        self.assertEqual(len(high.context["page"]["rows"]), 1)

    def test_a_bad_date_range_is_explained(self):
        response = client_for(self.p.supervisor).get(
            "/contacts/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}
        )
        self.assertContains(response, "invalid-feedback")

    def test_the_list_does_not_query_per_row(self):
        for _ in range(5):
            start_contact(self.p.counsellor)
        client = client_for(self.p.supervisor)
        client.get("/contacts/")  # warm the session
        # session, user, organisation (page header), counsellors for the filter, rows: constant
        with self.assertNumQueries(5):
            client.get("/contacts/")


class ReadOnlyTests(PersonaMixin, TestCase):
    def test_a_director_reads_a_contact_without_edit_controls(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.director).get(
            reverse("hotline:contact-detail", args=[contact.public_id])
        )
        self.assertContains(response, 'name="s1-purpose"')
        self.assertContains(response, "disabled")
        self.assertNotContains(response, 'data-testid="risk-form"')
        save = client_for(self.p.director).post(
            reverse("hotline:contact-stage-save", args=[contact.public_id, 1]), stage1_data(1)
        )
        self.assertEqual(save.status_code, 403)


class LanguageTests(PersonaMixin, TestCase):
    def test_chinese_is_the_default_even_for_an_english_browser(self):
        response = self.client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        self.assertContains(response, 'lang="zh-hans"')

    def test_the_switch_chooses_english(self):
        self.client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
        response = self.client.get("/accounts/login/")
        self.assertContains(response, 'lang="en"')
        self.assertContains(response, "Log in")


class ContactListPagingTests(PersonaMixin, TestCase):
    def test_an_absurd_page_number_is_an_empty_page_not_an_error(self):
        client = client_for(self.p.counsellor)
        for page in ("9223372036854775807", "-5", "x"):
            self.assertEqual(client.get("/contacts/", {"page": page}).status_code, 200, page)


class RiskFormDefaultsTests(PersonaMixin, TestCase):
    def test_a_first_assessment_does_not_presume_no_past_attempt(self):
        from xinyuan.hotline.forms import RiskAssessmentForm

        self.assertEqual(RiskAssessmentForm().initial["last_attempt"], "unknown")
        contact = start_contact(self.p.counsellor)
        page = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content.decode()
        select = page.split('name="last_attempt"')[1].split("</select>")[0]
        self.assertIn('<option value="unknown" selected>', select)
        self.assertNotIn('<option value="never" selected>', select)
