"""The self-test portal end to end through HTTP, and what it creates for the centre."""

import re
from datetime import date

from django.test import Client, TestCase

from xinyuan.assessments import actions
from xinyuan.assessments.models import HelpTask, Participant, SelfAssessment
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PersonaMixin, client_for


class PortalFlowTests(PersonaMixin, TestCase):
    def setUp(self):
        self.org_setup()
        self.visitor = Client()

    def org_setup(self):
        org = self.p.org
        org.hotline_number, org.hotline_hours = "12356", "24小时"
        org.clinic = "心理门诊：示范医院门诊楼3层"
        org.save()

    def take(self, answers, code="phq9", client=None, start_params=None):
        client = client or self.visitor
        response = client.post(f"/s/{code}/", {"consent": "yes", **(start_params or {})})
        self.assertRedirects(response, f"/s/{code}/q/1/", fetch_redirect_response=False)
        for number, value in enumerate(answers, start=1):
            response = client.post(f"/s/{code}/q/{number}/", {"answer": str(value)})
        self.assertEqual(response.status_code, 302)
        return client.get(response["Location"])

    def test_the_list_and_the_consent_come_first(self):
        page = self.visitor.get("/s/").content.decode()
        for code in ("phq9", "gad7", "phq15", "pcl5", "k10", "k6", "who5"):
            self.assertIn(f'data-testid="scale-{code}"', page)
        start = self.visitor.get("/s/phq9/")
        self.assertContains(start, 'data-testid="consent-notice"')
        refused = self.visitor.post("/s/phq9/", {}, follow=True)
        self.assertContains(refused, "请先阅读说明")
        self.assertEqual(self.visitor.get("/s/phq9/q/1/").status_code, 302, "no consent, no test")
        self.assertContains(self.visitor.get("/s/k10/"), 'data-testid="unverified"')
        self.assertNotContains(start, 'data-testid="unverified"')

    def test_a_completed_test_shows_band_advice_and_help(self):
        result = self.take([1, 1, 2, 1, 1, 1, 1, 1, 0])
        self.assertContains(result, "轻度抑郁")
        self.assertContains(result, 'data-testid="help-channels"')
        self.assertContains(result, "12356")
        self.assertNotContains(result, 'data-testid="crisis-channels"')
        saved = SelfAssessment.objects.get()
        self.assertEqual((saved.total, saved.band, saved.person), (9, "mild", None))
        self.assertFalse(HelpTask.objects.exists())

    def test_item_9_shows_the_crisis_channels_first_and_alerts_the_supervisors(self):
        html = self.take([0, 0, 0, 0, 0, 0, 0, 0, 2]).content.decode()
        self.assertIn('data-testid="crisis-channels"', html)
        self.assertLess(
            html.index('data-testid="crisis-channels"'), html.index('data-testid="result"')
        )
        self.assertIn('href="tel:12356"', html)
        task = HelpTask.objects.get(kind="urgent")
        panel = client_for(self.p.supervisor).get("/alerts/panel/").content.decode()
        self.assertIn('data-testid="self-test-alert"', panel)
        self.assertNotIn(
            'data-testid="self-test-alert"',
            client_for(self.p.outsider_supervisor).get("/alerts/panel/").content.decode(),
        )
        client_for(self.p.supervisor).post(
            f"/assessments/tasks/{task.public_id}/take/", HTTP_HX_REQUEST="true"
        )
        panel = client_for(self.p.supervisor).get("/alerts/panel/").content.decode()
        self.assertNotIn('data-testid="self-test-alert"', panel, "taken: gone from the alerts")
        self.assertTrue(
            AuditEvent.objects.filter(action="acknowledge", target_id=task.public_id).exists()
        )

    def test_the_most_severe_band_is_urgent_too(self):
        self.take([3, 3, 3, 3, 3, 3, 2, 2, 0])
        self.assertEqual(SelfAssessment.objects.get().band, "severe")
        self.assertTrue(HelpTask.objects.filter(kind="urgent").exists())

    def test_a_double_submission_keeps_one_result(self):
        self.visitor.post("/s/gad7/", {"consent": "yes"})
        for number in range(1, 7):
            self.visitor.post(f"/s/gad7/q/{number}/", {"answer": "1"})
        first = self.visitor.post("/s/gad7/q/7/", {"answer": "1"})
        again = self.visitor.post("/s/gad7/q/7/", {"answer": "1"})
        self.assertEqual(SelfAssessment.objects.count(), 1)
        self.assertTrue(first["Location"].startswith("/s/result/"))
        self.assertEqual(again["Location"], first["Location"], "the same result again")
        self.assertIsNotNone(SelfAssessment.objects.get().consented_at)
        key = "same-key"
        for _ in range(2):
            actions.do_submit(scale_code="gad7", answers=[1] * 7, organisation=self.p.org,
                              submission_key=key, language="zh-hans")  # fmt: skip
        self.assertEqual(SelfAssessment.objects.filter(submission_key=key).count(), 1)

    def test_a_half_finished_test_resumes_and_back_keeps_the_answer(self):
        self.visitor.post("/s/phq9/", {"consent": "yes"})
        for number, value in ((1, 2), (2, 3), (3, 1)):
            self.visitor.post(f"/s/phq9/q/{number}/", {"answer": str(value)})
        start = self.visitor.get("/s/phq9/")
        self.assertContains(start, 'data-testid="resume"')
        self.assertContains(start, "/s/phq9/q/4/")
        back = self.visitor.get("/s/phq9/q/2/").content.decode()
        chosen = re.search(r'class="btn btn-primary[^"]*"[^>]*value="(\d)"', back)
        self.assertEqual(chosen.group(1), "3")
        self.assertContains(self.visitor.get("/s/phq9/q/2/"), "2 / 9")

    def test_a_bad_answer_is_refused_and_nothing_is_lost(self):
        self.visitor.post("/s/phq9/", {"consent": "yes"})
        self.visitor.post("/s/phq9/q/1/", {"answer": "2"})
        bad = self.visitor.post("/s/phq9/q/2/", {"answer": "7"})
        self.assertEqual(bad.status_code, 422)
        self.assertContains(bad, "请选择", status_code=422)
        self.assertIn('value="2"', self.visitor.get("/s/phq9/q/1/").content.decode())

    def test_a_result_opens_only_on_the_device_that_took_it(self):
        self.take([0] * 9)
        result = SelfAssessment.objects.get()
        self.assertEqual(Client().get(f"/s/result/{result.public_id}/").status_code, 404)
        self.assertEqual(
            client_for(self.p.supervisor).get(f"/s/result/{result.public_id}/").status_code, 404
        )

    def test_a_call_back_on_a_serious_result_goes_on_its_urgent_task(self):
        self.take([0] * 8 + [1])
        result = SelfAssessment.objects.get()
        self.visitor.post(f"/s/result/{result.public_id}/callback/", {"phone": "13800138000"})
        (task,) = HelpTask.objects.all()
        self.assertEqual(task.kind, "urgent")
        self.assertTrue(task.phone_encrypted)
        page = client_for(self.p.supervisor).get(f"/assessments/tasks/{task.public_id}/")
        self.assertContains(page, 'data-testid="task-phone-reveal"')

    def test_a_call_back_request_becomes_a_task_with_the_number_kept_secret(self):
        self.take([1] * 8 + [0])
        result = SelfAssessment.objects.get()
        url = f"/s/result/{result.public_id}/callback/"
        bad = self.visitor.post(url, {"phone": "abc", "preferred_time": "晚上"})
        self.assertEqual(bad.status_code, 422)
        self.assertContains(bad, "晚上", status_code=422)
        self.assertContains(bad, 'data-testid="callback-error"', status_code=422)
        ok = self.visitor.post(
            url, {"phone": "138 0013 8000", "preferred_time": "工作日晚上"}, follow=True
        )
        self.assertContains(ok, 'data-testid="callback-requested"')
        task = HelpTask.objects.get(kind="callback")
        self.assertNotIn("13800138000", task.phone_encrypted)
        counsellor = client_for(self.p.counsellor)
        self.assertContains(counsellor.get("/assessments/tasks/"), str(task.public_id))
        shown = counsellor.post(f"/assessments/tasks/{task.public_id}/phone/")
        self.assertContains(shown, "13800138000")
        self.assertTrue(
            AuditEvent.objects.filter(action="reveal", target_id=task.public_id).exists()
        )
        done = counsellor.post(
            f"/assessments/tasks/{task.public_id}/done/", {"outcome": "已回电，约了门诊"}
        )
        self.assertRedirects(done, "/assessments/tasks/", fetch_redirect_response=False)
        task.refresh_from_db()
        self.assertEqual(task.status, "done")

    def test_english(self):
        self.visitor.post("/i18n/setlang/", {"language": "en"})
        result = self.take([0] * 9)
        self.assertContains(result, "Minimal or none")
        self.assertContains(result, "Where to get help")


class CampaignTests(PersonaMixin, TestCase):
    def create(self, identified: bool):
        director = client_for(self.p.director)
        response = director.post("/assessments/campaigns/", {
            "name": "教师心理筛查", "scales": ["phq9", "gad7"], "groups": "一年级\n二年级",
            "starts_on": date.today().isoformat(), "ends_on": date.today().isoformat(),
            "identified": "on" if identified else "",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        return director, response["Location"]

    def test_an_anonymous_campaign_link_works_end_to_end(self):
        director, detail = self.create(identified=False)
        page = director.get(detail)
        link = re.search(
            r'data-testid="campaign-url">https?://[^/]+(/s/c/[^<]+)</code>', page.content.decode()
        ).group(1)
        qr = director.get(detail + "qr.svg")
        self.assertEqual(qr["Content-Type"], "image/svg+xml")
        visitor = Client()
        landing = visitor.get(link)
        self.assertContains(landing, "教师心理筛查")
        slug = link.rstrip("/").split("/")[-1]
        start = visitor.get("/s/gad7/", {"campaign": slug, "group": "二年级"})
        self.assertContains(start, 'value="二年级"')
        visitor.post("/s/gad7/", {"consent": "yes", "campaign": slug, "group": "二年级"})
        for number in range(1, 8):
            visitor.post(f"/s/gad7/q/{number}/", {"answer": "2"})
        saved = SelfAssessment.objects.get()
        self.assertEqual(
            (saved.group, saved.campaign.name, saved.person), ("二年级", "教师心理筛查", None)
        )
        table = director.get(detail).content.decode()
        self.assertRegex(table, r"二年级</td>(<td>\d+</td>)*<td>1</td>")
        self.assertEqual(client_for(self.p.counsellor).get(detail).status_code, 403)
        self.assertEqual(client_for(self.p.outsider_supervisor).get(detail).status_code, 404)

    def test_an_identified_campaign_fills_each_persons_archive(self):
        director, detail = self.create(identified=True)
        url = detail + "participants/"
        refused = director.post(
            url, {"lines": "T-01, 一年级\nT-02, 三年级\nT-03 一年级"}, follow=True
        )
        self.assertContains(refused, "T-02, 三年级", msg_prefix="what was typed is kept")
        self.assertContains(refused, "第 3 行")
        self.assertFalse(Participant.objects.exists(), "nothing half-added")
        director.post(url, {"lines": "T-01, 一年级\nT-02，二年级"})
        participant = Participant.objects.get(person__label="T-01")
        visitor = Client()
        self.assertContains(visitor.get(f"/s/p/{participant.token}/"), "教师心理筛查")
        visitor.post("/s/phq9/", {"consent": "yes", "participant": participant.token})
        for number in range(1, 10):
            visitor.post(f"/s/phq9/q/{number}/", {"answer": "1"})
        saved = SelfAssessment.objects.get()
        self.assertEqual((saved.person, saved.group), (participant.person, "一年级"))
        archive = director.get(f"/assessments/persons/{participant.person.public_id}/")
        self.assertContains(archive, 'data-testid="archive-phq9"')
        self.assertContains(archive, "<svg")
        export = director.get(f"/assessments/persons/{participant.person.public_id}/fhir/")
        bundle = export.json()
        self.assertEqual(bundle["resourceType"], "Bundle")
        self.assertEqual(bundle["entry"][0]["resource"]["resourceType"], "QuestionnaireResponse")
        self.assertTrue(AuditEvent.objects.filter(action="export").exists())
        self.assertEqual(
            client_for(self.p.counsellor)
            .get(f"/assessments/persons/{participant.person.public_id}/")
            .status_code,
            403,
        )


class StaffGivenScaleTests(PersonaMixin, TestCase):
    """A counsellor gives a scale to a caller: consent recorded, result in the archive."""

    def test_a_scale_given_during_a_contact_goes_to_the_callers_archive(self):
        from xinyuan.cases.models import Consent
        from xinyuan.hotline.tests.factories import start_contact

        contact = start_contact(self.p.counsellor, caller_number="13900000001")
        counsellor = client_for(self.p.counsellor)
        page = counsellor.get(f"/contacts/{contact.public_id}/")
        self.assertContains(page, f"/s/gad7/?contact={contact.public_id}")
        start = counsellor.get("/s/gad7/", {"contact": str(contact.public_id)})
        self.assertContains(start, 'data-testid="staff-mode"')
        counsellor.post("/s/gad7/", {"consent": "yes", "contact": str(contact.public_id)})
        for number in range(1, 8):
            response = counsellor.post(f"/s/gad7/q/{number}/", {"answer": "3"})
        result = counsellor.get(response["Location"])
        self.assertContains(result, 'data-testid="staff-links"')
        saved = SelfAssessment.objects.get()
        self.assertEqual(
            (saved.person, saved.source, saved.entered_by),
            (contact.person, "staff", self.p.counsellor),
        )
        self.assertTrue(
            Consent.objects.filter(contact=contact, purpose="assessment", agreed=True).exists()
        )
        self.assertTrue(HelpTask.objects.filter(kind="urgent").exists(), "severe anxiety")
        archive = client_for(self.p.supervisor).get(
            f"/assessments/persons/{contact.person.public_id}/"
        )
        self.assertContains(archive, 'data-testid="archive-gad7"')

    def test_another_centres_contact_gives_no_staff_mode(self):
        from xinyuan.hotline.tests.factories import start_contact

        contact = start_contact(self.p.outsider, caller_number="13900000002")
        counsellor = client_for(self.p.counsellor)
        start = counsellor.get("/s/gad7/", {"contact": str(contact.public_id)})
        self.assertNotContains(start, 'data-testid="staff-mode"')
        counsellor.post("/s/gad7/", {"consent": "yes", "contact": str(contact.public_id)})
        for number in range(1, 8):
            counsellor.post(f"/s/gad7/q/{number}/", {"answer": "0"})
        self.assertIsNone(SelfAssessment.objects.get().person)
        start = counsellor.get("/s/gad7/", {"contact": "not-a-uuid"})
        self.assertEqual(start.status_code, 200)
