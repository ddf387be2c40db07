"""The returning caller in a real browser, in Chinese, at 1366×768 (issue 10).

A caller known from a high-risk contact two days ago rings again: the top of the new contact
shows the last level and its date, the last safety plan is carried forward in one click, the
profile is pre-filled; a supervisor sets a time-limited note that the counsellor then sees on
the caller's next contact. Screenshots: /work/walk/returning-zh.png and returning-en.png (and
test-artifacts/).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, ViewportSize, expect

from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.hotline import actions
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

NUMBER = "13912345678"
WALK = Path("/work/walk")
LAPTOP = ViewportSize(width=1366, height=768)


class ReturningCallerBrowserTests(BrowserTestCase):
    def known_caller(self):
        """Two days ago: a high-risk contact of 07号 with a profile, a safety plan and a
        follow-up booked, then closed."""
        p = self.p
        earlier = high_risk_contact(
            p.counsellor,
            caller_number=NUMBER,
            started_at=timezone.now() - timedelta(days=2),
        )
        earlier = actions.do_update_contact(
            actor=p.counsellor,
            contact=earlier,
            version=earlier.version,
            changes={"caller_gender": "female", "caller_age_group": "25_34"},
        )
        actions.do_save_safety_plan(actor=p.counsellor, contact=earlier, data=FULL_PLAN)
        actions.do_book_follow_up(actor=p.counsellor, contact=earlier, consent_given=True)
        earlier.refresh_from_db()
        actions.do_close_contact(
            actor=p.counsellor, contact=earlier, version=earlier.version, outcome="crisis"
        )
        return earlier

    def start_with_number(self, page: Page) -> str:
        page.goto("/workstation/")
        page.locator("form:has([data-testid=start-contact]) summary").click()
        page.fill("#id_caller_number", NUMBER)
        page.get_by_test_id("start-contact").click()
        expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}/$"))
        return page.url

    def test_a_known_caller_rings_again(self):
        earlier = self.known_caller()
        page = self.new_page(viewport=LAPTOP)
        self.log_in(page, self.p.counsellor.username)
        contact_url = self.start_with_number(page)

        # The summary, first on the page: last level, its date, how long ago, by whom.
        summary = page.get_by_test_id("returning-caller")
        expect(summary).to_be_in_viewport()
        last = page.get_by_test_id("returning-last-risk")
        expect(last).to_contain_text("上次风险等级：")
        expect(last.locator("[data-risk]")).to_have_text(earlier.get_risk_level_display())
        expect(last).to_contain_text(timezone.localtime(earlier.started_at).strftime("%Y-%m-%d"))
        expect(last).to_contain_text("（2 天前）")
        expect(last).to_contain_text("07号 判定")
        expect(page.get_by_test_id("returning-follow-ups")).to_contain_text("待随访")
        self.assertNotIn(NUMBER, page.content(), "never the number")

        # The profile is pre-filled from the last contact, and says so.
        expect(page.get_by_test_id("returning-prefilled")).to_contain_text("已按上次来电")
        expect(page.locator("#id_s1-caller_gender")).to_have_value("female")
        expect(page.locator("#id_s1-caller_age_group")).to_have_value("25_34")

        # The last plan, read-only and collapsed; one click carries it forward.
        plan = page.get_by_test_id("returning-plan")
        expect(plan.locator("dl")).to_be_hidden()
        plan.locator("summary").click()
        expect(plan).to_contain_text(FULL_PLAN["people_to_call"])
        WALK.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(WALK / "returning-zh.png"))
        self.shot(page, "e2e-returning-caller-zh", full_page=False)
        page.get_by_test_id("carry-plan").click()
        expect(page.locator(".alert-success")).to_contain_text("已沿用上次来电的安全计划")
        form = page.get_by_test_id("safety-plan-form")
        expect(form.locator("[name=warning_signs]")).to_have_value(FULL_PLAN["warning_signs"])
        expect(form.locator("[name=medical_institutions]")).to_have_value(
            FULL_PLAN["medical_institutions"]
        )

        # A supervisor sets a time-limited note on the caller from this contact.
        sup = self.new_page(viewport=LAPTOP)
        self.log_in(sup, self.p.supervisor.username)
        sup.goto(contact_url)
        sup.get_by_test_id("caller-note-set").locator("summary").click()
        sup.fill("#id_text", "问候后礼貌结束通话")
        expect(sup.locator("#id_expires_at")).not_to_have_value("")
        sup.get_by_test_id("caller-note-save").click()
        expect(sup.locator(".alert-success")).to_contain_text("已设置来电者提示")
        expect(sup.get_by_test_id("caller-note-text")).to_have_text("问候后礼貌结束通话")

        # The caller's next contact: the counsellor sees the note first.
        self.start_with_number(page)
        note = page.get_by_test_id("caller-note")
        expect(note).to_be_in_viewport()
        expect(note).to_contain_text("督导的来电者提示：问候后礼貌结束通话")
        expect(note).to_contain_text("有效期至")
        expect(note.get_by_test_id("caller-note-remove")).to_have_count(0)

        # The same page in English.
        english = self.new_page(viewport=LAPTOP)
        self.log_in(english, self.p.counsellor.username)
        english.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": self.live_server_url}]
        )
        english.goto(page.url)
        expect(english.get_by_test_id("returning-caller")).to_contain_text("Returning caller")
        expect(english.get_by_test_id("caller-note")).to_contain_text(
            "Supervisor's note on this caller: 问候后礼貌结束通话"
        )
        english.get_by_test_id("returning-plan").locator("summary").click()
        english.screenshot(path=str(WALK / "returning-en.png"))
        self.shot(english, "e2e-returning-caller-en", full_page=False)
