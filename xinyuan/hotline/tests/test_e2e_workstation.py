"""End-to-end tests of the counsellor workstation in a real browser (Chromium via Playwright).

Acceptance of the workstation issue: a counsellor logs in, starts a contact, walks the five
stages with autosave and resume, assesses suicide risk (live preview, imminent level), sees the
crisis protocol, writes the safety plan and books the follow-up, while an on-duty supervisor's
open page shows the alert within 5 seconds without reloading and acknowledges it. Also: the
silent-call protocol, the two-click harassment end, and Chinese as the default language.

Screenshots for humans go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import contextlib
import re
import time
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, expect

from xinyuan.core.browser import (
    CJK,
    BrowserTestCase,
    ensure_chromium,
)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]


class WorkstationBrowserTests(BrowserTestCase):
    def start_contact(self, page: Page) -> str:
        """Clicks "start contact" on the workstation; returns the contact's public id."""
        page.goto("/workstation/")
        page.get_by_test_id("start-contact").click()
        expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}/$"))
        match = re.search(r"/contacts/([0-9a-f-]{36})/", page.url)
        assert match is not None
        return match.group(1)

    def autosave(self, page: Page, selector: str, value: str, *, status: str):
        """Types into a field and waits until the autosave that carries the value says "saved".

        Leaving a field also autosaves (on "change"): that earlier request does not carry the
        new value, so the wait is for the request that does.
        """
        saved = page.locator(f"{status} [data-testid=saved]")

        def carries_value(response) -> bool:
            if response.request.method != "POST":
                return False
            posted = parse_qs(response.request.post_data or "")
            return any(value in item for items in posted.values() for item in items)

        with page.expect_response(carries_value) as answer:
            page.fill(selector, value)
        body = answer.value.text()
        self.assertIn('data-testid="saved"', body, f"autosave of {selector} failed: {body}")
        expect(saved).to_be_visible()

    # Tests ----------------------------------------------------------------------------------

    def test_contact_five_stages_risk_crisis_follow_up_and_supervisor_alert(self):
        # The on-duty supervisor has the workstation open before anything happens.
        sup = self.new_page()
        self.log_in(sup, self.p.supervisor.username)
        with sup.expect_response(lambda r: "/alerts/panel/" in r.url):
            sup.goto("/workstation/")
        expect(sup.get_by_test_id("risk-alert")).to_have_count(0)
        sup.evaluate("window.__sameDocument = true")  # proves later that it never reloaded
        # While nothing changes, the poll sends what it saw and the answer is an empty 204.
        with sup.expect_response(lambda r: "/alerts/panel/?seen=" in r.url) as idle_poll:
            pass
        self.assertEqual(idle_poll.value.status, 204)

        page = self.new_page()
        self.log_in(page, self.p.counsellor.username)
        contact_id = self.start_contact(page)
        expect(page.get_by_test_id("greeting")).to_contain_text(self.p.org.hotline_name)
        expect(page.get_by_test_id("stage-form-1")).to_be_visible()
        self.shot(page, "e2e-01-contact-stage-1")

        # Five stages: one field each, autosaved, moving by the tabs and by "next stage".
        typed = {
            1: ("#id_s1-purpose", "想找人说说最近的压力"),
            2: ("#id_s2-emotional_state", "情绪低落，哭泣，说话很慢"),
            3: ("#id_s3-goal", "1. 失业 2. 失眠"),
            4: ("#id_s4-smart_goal", "愿意尝试改变"),
            5: ("#id_s5-actions_decided", "明天联系家人"),
        }
        for n, (selector, value) in typed.items():
            expect(page.get_by_test_id(f"stage-form-{n}")).to_be_visible()
            expect(page).to_have_url(re.compile(rf"/contacts/{contact_id}/(\?stage={n})?$"))
            self.autosave(page, selector, value, status=f"#status-stage-{n}")
            if n == 2:
                page.locator("[data-stage-panel]:not([hidden]) [data-testid=next-stage]").click()
            elif n < 5:
                page.get_by_test_id(f"stage-tab-{n + 1}").click()

        # Back to earlier stages: what was typed is there (saved on the server, not kept by
        # the browser): by the tab, and after a full reload.
        page.get_by_test_id("stage-tab-1").click()
        expect(page.get_by_test_id("stage-form-1")).to_be_visible()
        expect(page.locator(typed[1][0])).to_have_value(typed[1][1])
        page.get_by_test_id("stage-tab-3").click()
        page.reload()
        expect(page.locator(typed[3][0])).to_have_value(typed[3][1])

        # Risk assessment with the live preview of the derived level.
        form = page.get_by_test_id("risk-form")
        form.locator("#id_ideation").check()
        form.locator("#id_ideation_intensity").fill("8")
        form.locator("#id_hopelessness").fill("8")
        form.locator("#id_has_plan").check()
        form.locator("#id_plan_timing").select_option("within_72h")
        form.locator("#id_means_at_hand").check()
        preview = page.get_by_test_id("risk-preview")
        expect(preview.locator(".badge.risk-imminent")).to_be_visible()
        self.shot(page, "e2e-02-risk-preview")
        expect(sup.get_by_test_id("risk-alert")).to_have_count(0)

        page.get_by_test_id("save-assessment").click()
        crisis = page.get_by_test_id("crisis-protocol")
        expect(crisis).to_be_visible()
        expect(page.locator("[data-testid=latest-risk] [data-risk=imminent]")).to_be_visible()

        # The supervisor's open page shows the alert within 5 seconds, without a reload.
        alert = sup.get_by_test_id("risk-alert")
        expect(alert).to_be_visible(timeout=5000)
        expect(alert).to_contain_text(self.p.counsellor.alias)
        self.assertTrue(sup.evaluate("window.__sameDocument === true"), "the page reloaded")
        self.shot(sup, "e2e-04-supervisor-alert")
        alert.get_by_test_id("acknowledge").click()
        expect(alert).to_have_count(0)
        with sup.expect_response(lambda r: "/alerts/panel/" in r.url):
            pass  # the next poll does not bring the acknowledged alert back
        expect(alert).to_have_count(0)

        # Safety plan (autosaved) and the follow-up booked with consent.
        self.autosave(page, "#id_warning_signs", "失眠加重，开始整理物品", status="#status-plan")
        self.autosave(page, "#id_people_to_call", "姐姐 138-0000-0000", status="#status-plan")
        self.shot(page, "e2e-03-crisis-protocol")
        page.reload()
        expect(page.locator("#id_warning_signs")).to_have_value("失眠加重，开始整理物品")
        expect(page.locator("#id_people_to_call")).to_have_value("姐姐 138-0000-0000")

        expect(page.get_by_test_id("booked-follow-up")).to_have_count(0)
        crisis.locator("#id_consent_given").check()
        crisis.get_by_test_id("book-follow-up").click()
        expect(page.get_by_test_id("booked-follow-up")).to_have_count(1)
        expect(page.get_by_test_id("booked-follow-up")).to_contain_text(self.p.counsellor.alias)
        self.shot(page, "e2e-03b-follow-up-booked")

    def test_silent_protocol_and_harassment_two_click_end(self):
        page = self.new_page()
        self.log_in(page, self.p.counsellor.username)

        # Silent contact: the type is set on the frame form; the page redraws with the protocol.
        silent_id = self.start_contact(page)
        expect(page.get_by_test_id("silent-start")).to_have_count(0)
        with page.expect_navigation():
            page.select_option("#id_s0-contact_type", "silent")
        expect(page.get_by_test_id("silent-start")).to_be_visible()
        expect(page.locator("#id_s0-contact_type")).to_have_value("silent")
        for key in ("greet_wait", "care", "close_politely"):
            expect(page.locator(f"#step-{key}")).to_be_visible()
        page.check("#step-greet_wait")
        expect(page.locator("#status-steps [data-testid=saved]")).to_be_visible()
        self.shot(page, "e2e-05-silent-protocol")
        page.reload()
        expect(page.locator("#step-greet_wait")).to_be_checked()

        # Another contact: harassment, ended and flagged with two clicks.
        harassment_id = self.start_contact(page)
        self.assertNotEqual(harassment_id, silent_id)
        second = page.get_by_test_id("harassment-2")
        expect(second).to_be_hidden()
        page.get_by_test_id("harassment-1").click()
        expect(second).to_be_visible()
        second.click()
        expect(page).to_have_url(re.compile(r"/workstation/$"))

        page.goto("/contacts/")
        flagged_row = page.locator(f"tr:has(a[href*='{harassment_id}'])")
        expect(flagged_row.locator(".badge.text-bg-dark")).to_be_visible()
        silent_row = page.locator(f"tr:has(a[href*='{silent_id}'])")
        expect(silent_row).to_be_visible()
        expect(silent_row.locator(".badge.text-bg-dark")).to_have_count(0)
        self.shot(page, "e2e-06-contact-list-flagged")

    def test_chinese_by_default_and_switch_to_english(self):
        # Even a browser that prefers English gets the default: Chinese.
        page = self.new_page(locale="en-US", headers={"Accept-Language": "en-US,en;q=0.9"})
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("h1")).to_have_text(CJK)
        self.log_in(page, self.p.counsellor.username)
        start = page.get_by_test_id("start-contact")
        expect(start).to_have_text(CJK)
        self.shot(page, "e2e-07-workstation-chinese")

        page.locator("nav button[name=language][value=en]").click()
        expect(page).to_have_url(re.compile(r"/workstation/$"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(start).to_have_text("Start contact")
        self.shot(page, "e2e-08-workstation-english")

    def test_typing_then_leaving_the_stage_at_once_loses_nothing(self):
        page = self.new_page()
        self.log_in(page, self.p.counsellor.username)
        contact_id = self.start_contact(page)

        def slow_network(route):
            # A slow link: each autosave takes a second to leave the browser. Without the
            # flush-before-leaving guard, the click's navigation aborts it and the text is lost.
            time.sleep(1.0)
            with contextlib.suppress(Exception):  # aborted by a navigation: the loss we test
                route.continue_()

        page.route("**/stages/**", slow_network)
        texts = {1: "#id_s1-purpose", 3: "#id_s3-goal", 4: "#id_s4-smart_goal"}
        for stage, selector in texts.items():
            page.goto(f"/contacts/{contact_id}/?stage={stage}")
            page.fill(selector, f"第{stage}阶段立即离开")
            # No wait for the autosave: the counsellor clicks on straight away.
            page.get_by_test_id(f"stage-tab-{stage % 5 + 1}").click()
            expect(page).to_have_url(re.compile(rf"stage={stage % 5 + 1}$"))
        page.unroute("**/stages/**")
        for stage, selector in texts.items():
            page.goto(f"/contacts/{contact_id}/?stage={stage}")
            expect(page.locator(selector)).to_have_value(f"第{stage}阶段立即离开")
