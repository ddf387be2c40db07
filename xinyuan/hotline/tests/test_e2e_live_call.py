"""Issue 10 in a real browser, in Chinese, on a 1366×768 screen: the live call, safe and fast.

Each test reproduces one defect of the issue as a counsellor, a supervisor or a director meets
it: the crisis-now panel first and above the fold with its one-click emergency record, the
supervisor's acknowledgement on the counsellor's open page within 5 seconds, one line naming
who to call with nobody on duty, the escalation to the off-duty director, one outcome, the
closing rules (assessment after strong emotion, a complete plan at high risk), the silent call
ended by the counsellor, the idle warning and the heartbeat of a live call, typing kept across a
sign-out, the contact number.

Screenshots for humans go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import override_settings
from playwright.sync_api import Page, ViewportSize, expect

from xinyuan.accounts.middleware import LAST_ACTIVITY
from xinyuan.core.browser import ARTIFACTS, BrowserTestCase, ensure_chromium
from xinyuan.core.testing import PASSWORD
from xinyuan.hotline import actions
from xinyuan.hotline.models import Contact, EmergencyCall
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

SCREEN = ViewportSize(width=1366, height=768)
SAME_DOCUMENT = "window.__sameDocument = true"  # gone if the page reloads
STILL_SAME_DOCUMENT = "window.__sameDocument === true"


class LiveCallBrowserTests(BrowserTestCase):
    def signed_in(self, user) -> Page:
        page = self.new_page(viewport=SCREEN)
        self.log_in(page, user.username)
        return page

    def watch_alerts(self, user) -> Page:
        """A supervisor's or director's workstation, open with its alert panel polling."""
        page = self.signed_in(user)
        with page.expect_response(lambda r: "/alerts/panel/" in r.url):
            page.goto("/workstation/")
        page.evaluate(SAME_DOCUMENT)
        return page

    def next_alert_poll(self, page: Page):
        with page.expect_response(lambda r: "/alerts/panel/" in r.url):
            pass

    def in_english(self, page: Page):
        page.locator("nav button[name=language][value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

    def close_and_reopen(self, page: Page, contact, *, button=None):
        """Closes the contact from its page (back to the workstation), then opens it again."""
        (button or page.get_by_test_id("close-contact")).click()
        expect(page).to_have_url(re.compile(r"/workstation/$"))
        expect(page.locator("main")).to_contain_text("本次来电已结束")
        page.goto(f"/contacts/{contact.public_id}/")

    # Tests ----------------------------------------------------------------------------------

    def test_an_act_in_progress_puts_the_crisis_panel_first_and_one_click_records_the_call(self):
        contact = start_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/")
        expect(page.get_by_test_id("crisis-now")).to_have_count(0)

        # The counsellor hears that the caller has taken pills: assessed through the page.
        form = page.get_by_test_id("risk-form")
        form.locator("#id_ideation").check()
        form.locator("#id_ideation_intensity").fill("9")
        form.locator("#id_act_in_progress").check()
        expect(page.locator("#risk-preview .badge.risk-imminent")).to_be_visible()
        page.get_by_test_id("save-assessment").click()  # saved in place, nothing reloads
        expect(page.locator("[data-testid=latest-risk] [data-risk=imminent]")).to_have_count(1)
        page.evaluate("window.scrollTo(0, 0)")  # as the counsellor sees the page

        # First on the screen, before any scroll: the whole panel above the fold at 1366×768,
        # before the harassment button and the stages.
        panel = page.get_by_test_id("crisis-now")
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("正在实施")
        self.assertEqual(page.evaluate("window.scrollY"), 0)
        box = panel.bounding_box()
        assert box is not None
        self.assertLessEqual(box["y"] + box["height"], SCREEN["height"], "below the fold")
        first_card = page.evaluate(
            "document.querySelector('main .card, main [role=alert]').dataset.testid"
        )
        self.assertEqual(first_card, "crisis-now", "the crisis panel is the first thing shown")
        harassment = page.get_by_test_id("harassment-1").bounding_box()
        assert harassment is not None
        self.assertGreater(harassment["y"], box["y"] + box["height"] - 1)
        self.shot(page, "e2e-live-01-crisis-now-zh", full_page=False)

        # One click, with their reference typed: recorded in place, no reload.
        page.evaluate(SAME_DOCUMENT)
        panel.locator("#emergency-reference").fill("急救2026-17")
        button = panel.get_by_test_id("emergency-120")
        expect(button).to_have_text(re.compile("已呼叫 120"))
        button.click()
        calls = page.get_by_test_id("emergency-calls")
        expect(calls).to_contain_text("急救2026-17")
        expect(calls).to_contain_text(self.p.counsellor.alias)
        self.assertTrue(page.evaluate(STILL_SAME_DOCUMENT), "the page reloaded")
        call = EmergencyCall.objects.get(contact=contact)
        self.assertEqual((call.service, call.reference), ("120", "急救2026-17"))

        # The confidentiality exception it made is on the record.
        page.reload()
        disclosure = page.get_by_test_id("disclosures").get_by_test_id("disclosure")
        expect(disclosure).to_have_count(1)
        expect(disclosure).to_contain_text("来电者生命面临严重危险")
        expect(page.get_by_test_id("emergency-calls")).to_contain_text("急救2026-17")

        self.in_english(page)
        expect(page.get_by_test_id("crisis-now")).to_contain_text("act now")
        page.evaluate("window.scrollTo(0, 0)")
        self.shot(page, "e2e-live-01-crisis-now-en", full_page=False)

    def test_the_counsellor_sees_the_supervisors_acknowledgement_without_reloading(self):
        sup = self.watch_alerts(self.p.supervisor)
        contact = high_risk_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/")
        card = page.get_by_test_id("crisis-protocol")
        expect(card.get_by_test_id("alert-waiting")).to_be_visible()
        page.evaluate(SAME_DOCUMENT)

        alert = sup.get_by_test_id("risk-alert")
        expect(alert).to_be_visible(timeout=5000)
        with sup.expect_response(lambda r: "/acknowledge" in r.url):
            alert.get_by_test_id("acknowledge").click()

        taken = card.get_by_test_id("alert-acknowledged")
        expect(taken).to_be_visible(timeout=5000)
        expect(taken).to_contain_text(self.p.supervisor.alias)
        expect(taken).to_contain_text(re.compile(r"已于 \d\d:\d\d 确认预警"))
        expect(card.get_by_test_id("alert-waiting")).to_have_count(0)
        self.assertTrue(page.evaluate(STILL_SAME_DOCUMENT), "the counsellor's page reloaded")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(ARTIFACTS / "e2e-live-02-acknowledged-zh.png"))

        self.in_english(page)
        card = page.get_by_test_id("crisis-protocol")
        expect(card.get_by_test_id("alert-acknowledged")).to_contain_text("took the alert at")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(ARTIFACTS / "e2e-live-02-acknowledged-en.png"))

    def test_with_nobody_on_duty_one_line_names_who_to_call_and_the_director_sees_it(self):
        type(self.p.supervisor).objects.filter(pk=self.p.supervisor.pk).update(is_on_duty=False)
        director = self.watch_alerts(self.p.director)
        expect(director.get_by_test_id("risk-alert")).to_have_count(0)

        contact = high_risk_contact(self.p.counsellor)
        # The off-duty director's open page shows it at once, escalated.
        alert = director.get_by_test_id("risk-alert")
        expect(alert).to_be_visible(timeout=5000)
        expect(alert.get_by_test_id("alert-escalated-badge")).to_have_text(
            "已发给中心主任和全部督导"
        )
        self.assertTrue(director.evaluate(STILL_SAME_DOCUMENT), "the director's page reloaded")

        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/")
        status = page.get_by_test_id("alert-status")
        line = status.get_by_test_id("nobody-on-duty")
        expect(line).to_have_count(1)
        expect(line).to_contain_text("目前没有督导在岗")
        expect(line).to_contain_text(self.p.director.work_name)
        expect(line).to_contain_text(self.p.supervisor.alias)
        for other in ("alert-waiting", "alert-escalated", "alert-acknowledged"):
            expect(status.get_by_test_id(other)).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("等待在岗督导")
        # It stays one line through the next polls.
        with page.expect_response(lambda r: "/alert-status/" in r.url):
            pass
        expect(status.get_by_test_id("nobody-on-duty")).to_have_count(1)
        expect(page.get_by_test_id("alert-status")).to_have_count(1)
        self.assertEqual(status.inner_text().strip(), line.inner_text().strip())

    @override_settings(ALERT_ESCALATE_MINUTES=0.05)
    def test_an_alert_nobody_takes_goes_to_the_off_duty_director(self):
        director = self.watch_alerts(self.p.director)
        contact = high_risk_contact(self.p.counsellor)
        # The supervisor on duty has it; the director, off duty, not yet.
        self.next_alert_poll(director)
        self.next_alert_poll(director)
        expect(director.get_by_test_id("risk-alert")).to_have_count(0)

        # Nobody takes it; the counsellor's open page polls, and the wait (3 s) has passed.
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/")
        expect(page.get_by_test_id("alert-escalated")).to_be_visible(timeout=10_000)
        expect(page.get_by_test_id("alert-escalated")).to_contain_text("已发给中心主任和全部督导")

        alert = director.get_by_test_id("risk-alert")
        expect(alert).to_be_visible(timeout=10_000)
        expect(alert).to_contain_text(contact.number)
        expect(alert.get_by_test_id("alert-escalated-badge")).to_have_text(
            "已发给中心主任和全部督导"
        )
        self.assertTrue(director.evaluate(STILL_SAME_DOCUMENT), "the director's page reloaded")
        self.shot(director, "e2e-live-04-escalated-director", full_page=False)

    def test_the_outcome_chosen_in_the_close_box_is_the_outcome_stored(self):
        contact = start_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/?stage=5")
        expect(page.locator("[name='s5-outcome']")).to_have_count(0)
        outcome = page.locator("select[name=outcome]")
        expect(outcome).to_have_value("")
        expect(outcome.locator("option:checked")).to_have_text("请选择处理结果…")
        # Nothing chosen: the browser refuses to send the form.
        page.get_by_test_id("close-contact").click()
        self.assertTrue(outcome.evaluate("select => !select.validity.valid"))
        contact.refresh_from_db()
        self.assertEqual(contact.status, "open")

        outcome.select_option("referred")
        self.close_and_reopen(page, contact)
        contact.refresh_from_db()
        self.assertEqual((contact.status, contact.outcome), ("closed", "referred"))
        badge = page.get_by_test_id("outcome-badge")
        expect(badge).to_contain_text("已转介")
        expect(badge).not_to_contain_text("问题已解决")

        # An outcome recorded before (the API, a close refused) is where the box starts, and
        # closing without touching it keeps it.
        recorded = start_contact(self.p.counsellor)
        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=recorded,
            version=recorded.version,
            changes={"outcome": "referred"},
        )
        page.goto(f"/contacts/{recorded.public_id}/?stage=5")
        expect(page.locator("select[name=outcome]")).to_have_value("referred")
        self.close_and_reopen(page, recorded)
        expect(page.get_by_test_id("outcome-badge")).to_contain_text("已转介")
        recorded.refresh_from_db()
        self.assertEqual((recorded.status, recorded.outcome), ("closed", "referred"))

    def test_strong_emotion_needs_an_assessment_and_high_risk_a_complete_plan_to_close(self):
        contact = start_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/?stage=2")
        page.check("#id_s2-strong_negative_emotion")
        expect(page.locator("#status-stage-2 [data-testid=saved]")).to_be_visible()
        page.get_by_test_id("stage-tab-5").click()
        problems = page.get_by_test_id("close-problems")
        expect(problems).to_contain_text("结束前须完成：自杀风险评估")
        page.locator("select[name=outcome]").select_option("resolved")
        page.get_by_test_id("close-contact").click()
        expect(page).to_have_url(re.compile(r"\?stage=5$"))
        expect(page.locator("main .alert-danger")).to_contain_text("自杀风险评估")
        contact.refresh_from_db()
        self.assertEqual(contact.status, "open", "closed without the assessment")

        # Assessed (no risk found): now it closes.
        page.locator("#id_ideation").uncheck()
        page.get_by_test_id("save-assessment").click()
        expect(page.get_by_test_id("assessment-saved")).to_be_visible()
        page.goto(f"/contacts/{contact.public_id}/?stage=5")
        expect(page.get_by_test_id("close-problems")).to_have_count(0)
        page.locator("select[name=outcome]").select_option("resolved")
        self.close_and_reopen(page, contact)
        expect(page.get_by_test_id("outcome-badge")).to_contain_text("问题已解决")

        # High risk: a safety plan with warning signs only is not enough.
        high = high_risk_contact(self.p.counsellor)
        actions.do_book_follow_up(actor=self.p.counsellor, contact=high, consent_given=True)
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=high, data={"warning_signs": "整夜失眠"}
        )
        page.goto(f"/contacts/{high.public_id}/?stage=5")
        problems = page.get_by_test_id("close-problems")
        expect(problems).to_contain_text("医疗机构信息")
        expect(problems).not_to_contain_text("预警信号")

    @override_settings(SILENT_CALL_SECONDS=1)
    def test_a_silent_call_ended_by_the_counsellor_is_stored_as_ended_by_the_counsellor(self):
        contact = start_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/")
        with page.expect_navigation():
            page.select_option("#id_s0-contact_type", "silent")
        page.get_by_test_id("silent-start").click()
        offer = page.get_by_test_id("silent-offer")
        expect(offer).to_be_visible()
        self.close_and_reopen(page, contact, button=offer.locator("button[type=submit]"))
        expect(page.get_by_test_id("outcome-badge")).to_contain_text("咨询师结束通话")
        contact.refresh_from_db()
        self.assertEqual((contact.status, contact.outcome), ("closed", "ended"))

    @override_settings(IDLE_TIMEOUT_MINUTES=1, IDLE_WARNING_SECONDS=50)
    def test_the_idle_warning_elsewhere_and_a_live_call_kept_signed_in(self):
        # The counsellor's own contact in progress, open in one window and left alone.
        contact = start_contact(self.p.counsellor)
        live = self.signed_in(self.p.counsellor)
        live.goto(f"/contacts/{contact.public_id}/")
        live.evaluate(
            """() => {
                window.__sameDocument = true;
                window.__warned = false;
                const box = document.getElementById('idle-warning');
                new MutationObserver(() => {
                    if (!box.classList.contains('d-none')) { window.__warned = true; }
                }).observe(box, {attributes: true});
            }"""
        )
        idle_since = time.monotonic()

        # Elsewhere (the contact list, in another session) the page warns before signing out.
        other = self.signed_in(self.p.counsellor_b)
        other.goto("/contacts/")
        warning = other.get_by_test_id("idle-warning")
        expect(warning).to_be_hidden()
        expect(warning).to_be_visible(timeout=15_000)
        expect(warning).to_contain_text("无操作将于")
        self.shot(other, "e2e-live-06-idle-warning", full_page=False)
        with other.expect_response(lambda r: "/session/keepalive/" in r.url):
            other.get_by_test_id("idle-continue").click()
        expect(warning).to_be_hidden()

        # The live call: no warning, and still signed in after more than the idle timeout.
        left = 65 - (time.monotonic() - idle_since)
        if left > 0:
            live.wait_for_timeout(left * 1000)
        self.assertIs(live.evaluate("window.__warned"), False, "the live call was warned")
        expect(live.get_by_test_id("idle-warning")).to_be_hidden()
        self.assertTrue(live.evaluate(STILL_SAME_DOCUMENT), "the live call's page reloaded")
        live.reload()
        expect(live).to_have_url(re.compile(rf"/contacts/{contact.public_id}/$"))
        expect(live.get_by_test_id("stage-form-1")).to_be_visible()

    def test_typing_not_yet_saved_when_signed_out_is_put_back_after_signing_in(self):
        contact = start_contact(self.p.counsellor)
        page = self.signed_in(self.p.counsellor)
        page.goto(f"/contacts/{contact.public_id}/?stage=2")
        expect(page.get_by_test_id("stage-form-2")).to_be_visible()

        # The counsellor was away longer than the idle timeout; the page has not noticed yet.
        key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
        session = SessionStore(session_key=key)
        session[LAST_ACTIVITY] = time.time() - 3600
        session.save()

        text = "来电者哭泣，说话断断续续"
        page.fill("#id_s2-emotional_state", text)
        # The autosave meets the sign-out: the sign-in page, saying why.
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="), timeout=10_000)
        expect(page.locator("main")).to_contain_text("无操作")
        contact.refresh_from_db()
        self.assertEqual(contact.emotional_state, "", "saved although signed out")

        page.fill("#id_username", self.p.counsellor.username)
        page.fill("#id_password", PASSWORD)
        page.click("form:has(#id_username) button[type=submit]")
        expect(page).to_have_url(re.compile(rf"/contacts/{contact.public_id}/\?stage=2$"))
        expect(page.get_by_test_id("draft-restored")).to_be_visible()
        expect(page.locator("#id_s2-emotional_state")).to_have_value(text)
        expect(page.locator("#status-stage-2 [data-testid=saved]")).to_be_visible()
        self.shot(page, "e2e-live-07-draft-restored", full_page=False)
        page.reload()
        expect(page.locator("#id_s2-emotional_state")).to_have_value(text)
        contact.refresh_from_db()
        self.assertEqual(contact.emotional_state, text)

    def test_the_contact_number_is_shown_and_found_by_search(self):
        start_contact(self.p.counsellor)  # another contact, not the one sought
        page = self.signed_in(self.p.counsellor)
        page.get_by_test_id("start-contact").click()
        expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}/$"))
        number_box = page.get_by_test_id("record-number")
        expect(number_box).to_contain_text(re.compile(r"来电编号：\d{4}-\d{6}"))
        number = number_box.locator("code").inner_text().strip()
        contact = Contact.objects.get(number=number)
        self.assertIn(str(contact.public_id), page.url)

        page.goto("/contacts/")
        filters = page.get_by_test_id("contact-filters")
        filters.locator("[name=q]").fill(number)
        with page.expect_navigation():
            filters.locator("button[type=submit]").click()
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(number)
        expect(rows.first.locator(f"a[href*='{contact.public_id}']")).to_have_count(1)
        expect(rows.first.get_by_test_id("running-time")).to_have_text(re.compile(r"\d\d:\d\d"))
        self.shot(page, "e2e-live-08-search-by-number", full_page=False)
