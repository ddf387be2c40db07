"""Issue 12's done-when, in a real browser, in Chinese, at 1366×768.

A counsellor opens the file of a caller from their high-risk contact, sets the population
category and the intervention level, books a follow-up that is then missed; the worker's sweep
escalates it (the supervisor sees it in the app and receives the e-mail from a real SMTP
server); the counsellor records the follow-up (the policy books the next step), refers the
person to a directory institution and walks the referral to "seen", and files a high-risk
report to the township. Screenshots: test-artifacts/e2e-person-file-*.png and
/work/walk/person-file-zh.png.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import ViewportSize, expect

from xinyuan.cases.actions import escalation_mail, policy
from xinyuan.cases.models import FollowUp, FollowUpEscalation, Referral
from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.core.tests.smtp import smtp_settings, start_smtp
from xinyuan.directory.models import Institution
from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

LAPTOP = ViewportSize(width=1366, height=768)
WALK = Path("/work/walk")


class PersonFileBrowserTests(BrowserTestCase):
    def high_risk_contact_closed(self):
        p = self.p
        contact = high_risk_contact(p.counsellor, caller_number="13912340000")
        actions.do_save_safety_plan(actor=p.counsellor, contact=contact, data=FULL_PLAN)
        actions.do_book_follow_up(actor=p.counsellor, contact=contact, consent_given=True)
        contact.refresh_from_db()
        return actions.do_close_contact(
            actor=p.counsellor, contact=contact, version=contact.version, outcome="crisis"
        )

    def test_from_a_high_risk_contact_to_a_referral_seen_and_a_report_to_the_township(self):
        p = self.p
        inbox, port = start_smtp(self)
        p.supervisor.email = "duty-lead@example.org"
        p.supervisor.save()
        hospital = Institution.objects.create(
            organisation=p.org,
            name="市精神卫生中心",
            kind="psychiatric_hospital",
            phone="010-82000001",
            green_channel=True,
        )
        contact = self.high_risk_contact_closed()
        # The follow-up booked during the call is done first (out of this test's scope).
        FollowUp.objects.filter(contact=contact).update(status="cancelled", notes="已转为档案随访")

        page = self.new_page(viewport=LAPTOP)
        self.log_in(page, p.counsellor.username)
        page.goto(f"/contacts/{contact.public_id}/")
        page.get_by_test_id("open-file").click()
        expect(page).to_have_url(re.compile(r"/cases/files/[0-9a-f-]{36}/$"))
        file_url = page.url
        expect(page.get_by_test_id("case-status")).to_have_text("已建档")
        # The contact and its risk assessment are already on the timeline.
        expect(page.locator("[data-kind=contact]")).to_have_count(1)
        expect(page.locator("[data-kind=risk]").first).to_contain_text("自杀风险评估")

        # Basic information: the population category and the street.
        page.get_by_test_id("file-edit").click()
        page.fill("#id_alias", "小林")
        page.fill("#id_street", "西长安街街道")
        page.fill("#id_community", "府右街社区")
        page.get_by_label("学生").check()
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("categories")).to_have_text("学生")

        # The intervention level, with its reason.
        level_form = page.get_by_test_id("level-form")
        level_form.locator("select[name=level]").select_option("1")
        level_form.locator("input[name=reason]").fill("自杀风险高")
        level_form.get_by_role("button").click()
        expect(page.get_by_test_id("level-badge")).to_have_text("第一级人群")

        # An intervention plan (individual and family), and its first session.
        page.locator("#plan summary").click()
        plan_form = page.get_by_test_id("plan-form")
        plan_form.get_by_label("个体干预").check()
        plan_form.get_by_label("家庭干预").check()
        plan_form.locator("textarea[name=goals]").fill("稳定情绪，落实安全计划；改善家庭沟通")
        plan_form.locator("input[name=planned_sessions]").fill("6")
        page.get_by_test_id("plan-save").click()
        expect(page.get_by_test_id("active-plan")).to_contain_text("已进行会谈：0 / 6 次")
        page.locator("#plan details:has([data-testid=session-form]) summary").click()
        session_form = page.get_by_test_id("session-form")
        session_form.locator("input[name=minutes]").fill("50")
        session_form.locator("textarea[name=summary]").fill("呼吸放松训练，复核安全计划")
        page.get_by_test_id("session-record").click()
        expect(page.get_by_test_id("active-plan")).to_contain_text("已进行会谈：1 / 6 次")
        expect(page.locator("[data-kind=session]")).to_have_count(1)

        # A follow-up booked by hand, which is then missed.
        page.locator("#follow-ups summary").click()
        due = timezone.localtime(timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        page.fill("#id_due_at", due)
        page.get_by_label("本人同意接受随访").check()
        page.fill("#id_note", "询问睡眠和用药")
        page.get_by_test_id("book").click()
        expect(page.get_by_test_id("scheduled-follow-up")).to_have_count(1)
        booked = FollowUp.objects.get(contact=contact, status="scheduled")
        FollowUp.objects.filter(pk=booked.pk).update(due_at=timezone.now() - timedelta(days=1))

        # The worker's hourly sweep and its e-mail task, as db_worker runs them.
        with smtp_settings(port):
            self.assertEqual(policy.do_escalate_overdue_follow_ups().created, 1)
            self.assertEqual(escalation_mail.send_overdue_escalation_emails().sent, 1)
        self.assertEqual(len(inbox.messages), 1)
        recipients, message = inbox.messages[0]
        self.assertEqual(recipients, ["duty-lead@example.org"])
        self.assertIn("逾期", message["Subject"])
        self.assertIn("07号", message.get_content())

        lead = self.new_page(viewport=LAPTOP)
        self.log_in(lead, p.supervisor.username)
        lead.goto("/cases/follow-ups/?overdue=1")
        expect(lead.get_by_test_id("escalated")).to_contain_text("已上报")
        self.shot(lead, "e2e-person-file-escalated", full_page=False)

        # The counsellor records the follow-up; the policy books the next one.
        page.goto(file_url)
        page.get_by_test_id("scheduled-follow-up").get_by_role("link").click()
        page.select_option("#id_status", "done")
        page.select_option("#id_emotional_change", "better")
        page.fill("#id_pain_level", "3")
        page.fill("#id_hope_level", "6")
        page.select_option("#id_safety_status", "safe")
        page.select_option("#id_risk-last_attempt", "never")
        page.get_by_test_id("record-follow-up").click()
        self.assertEqual(FollowUp.objects.get(pk=booked.pk).status, "done")
        following = FollowUp.objects.get(previous=booked)
        self.assertEqual(following.status, "scheduled")
        self.assertEqual(FollowUpEscalation.objects.count(), 1)

        # A referral to the directory's institution, walked to "seen".
        page.goto(file_url)
        page.get_by_test_id("referral-new").click()
        page.select_option("#id_institution", str(hospital.public_id))
        page.select_option("#id_urgency", "urgent")
        page.fill("#id_reason", "需精神科评估用药")
        page.get_by_label("本人同意").check()
        page.fill("#id_continuity_info", "舍曲林 50mg 每日一次")
        page.get_by_label("走绿色通道").check()
        page.get_by_test_id("save").click()
        referral = page.get_by_test_id("referral")
        expect(referral.get_by_test_id("referral-status")).to_have_text("已发出")
        expect(referral).to_contain_text("绿色通道")
        referral.locator("select[name=status]").select_option("accepted")
        referral.get_by_test_id("referral-update").click()
        expect(referral.get_by_test_id("referral-status")).to_have_text("已接收")
        referral.locator("select[name=status]").select_option("seen")
        referral.locator("input[name=outcome]").fill("已就诊，调整用药")
        referral.get_by_test_id("referral-update").click()
        expect(referral.get_by_test_id("referral-status")).to_have_text("已就诊")
        self.assertIsNotNone(Referral.objects.get().seen_at)

        # The high-risk report to the township.
        page.get_by_test_id("report-new").click()
        expect(page.locator("#id_street_contact")).to_have_value("西长安街街道")
        page.fill("#id_risk", "有自杀计划，家中有药物")
        page.fill("#id_street_contact", "西长安街街道 王主任")
        page.select_option("#id_method", "phone")
        page.get_by_label("已告知家属紧急求助电话").check()
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("report-badge")).to_have_text("高危报告未关闭")
        report = page.get_by_test_id("community-report")
        report.locator("input[name=by_name]").fill("王主任")
        report.get_by_test_id("report-ack").click()
        expect(page.get_by_test_id("report-acknowledged")).to_contain_text("王主任")
        expect(page.locator("[data-kind=referral]")).to_have_count(1)
        expect(page.locator("[data-kind=report]")).to_have_count(1)
        self.shot(page, "e2e-person-file")
        if WALK.is_dir():
            page.screenshot(path=str(WALK / "person-file-zh.png"), full_page=True)
