"""The self-test follow-up tasks say what they are and what each button does; a scale's
copyright notice and a result's parts read in the page's language (issue 10, wording)."""

from django.conf import settings
from django.test import Client, TestCase

from xinyuan.assessments.models import HelpTask
from xinyuan.core.testing import PersonaMixin, client_for


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class SelfTestWordingTests(PersonaMixin, TestCase):
    def setUp(self):
        self.visitor = Client()
        org = self.p.org
        org.hotline_number, org.hotline_hours = "12356", "24小时"
        org.save()

    def take(self, answers, code="phq9", client=None):
        client = client or self.visitor
        client.post(f"/s/{code}/", {"consent": "yes"})
        for number, value in enumerate(answers, start=1):
            response = client.post(f"/s/{code}/q/{number}/", {"answer": str(value)})
        return client.get(response["Location"])

    def test_the_menu_and_buttons_say_what_the_task_page_is_for(self):
        self.take([3] * 9)  # severe, item 9 answered: an urgent task
        task = HelpTask.objects.get(kind="urgent")
        supervisor = client_for(self.p.supervisor)
        listing = supervisor.get("/assessments/tasks/")
        self.assertContains(listing, "自评结果待办", count=3)  # menu, title, heading
        self.assertContains(listing, "查看并处理")
        self.assertContains(listing, "处理人")
        self.assertNotContains(listing, "自评任务")
        detail = supervisor.get(f"/assessments/tasks/{task.public_id}/")
        self.assertContains(detail, "由我处理")
        self.assertContains(detail, "记录处理情况并结束待办")
        self.assertNotContains(detail, "接手此任务")
        panel = supervisor.get("/alerts/panel/")
        self.assertContains(panel, "由我处理")
        page = english(client_for(self.p.supervisor)).get(f"/assessments/tasks/{task.public_id}/")
        self.assertContains(page, "Self-test follow-up")
        self.assertContains(page, "I will handle it")
        self.assertContains(page, "Record and close the task")

    def test_the_scale_notice_is_in_the_language_of_the_page(self):
        result = self.take([0] * 9)
        self.assertContains(result, "版权所有 © Pfizer Inc.")
        self.assertNotContains(result, "All rights reserved")
        self.assertContains(result, "（本级范围 0–4）")
        self.assertContains(result, "12356（24小时）")
        english_result = self.take([0] * 9, client=english(Client()))
        self.assertContains(english_result, "Copyright © Pfizer Inc. All rights reserved.")
        self.assertNotContains(english_result, "版权所有")
        self.assertContains(english_result, "(this band: 0–4)")
        self.assertContains(english_result, "12356 (24小时)")
