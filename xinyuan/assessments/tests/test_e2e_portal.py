"""A phone-sized browser completes PHQ-9 with item 9 above 0: the crisis channels come first,
and the supervisor's open page shows the alert without reloading (issue 4, "done when")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ViewportSize, expect

from xinyuan.core.browser import BrowserTestCase, ensure_chromium

PHONE = ViewportSize(width=360, height=740)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]


class PortalBrowserTests(BrowserTestCase):
    def test_phq9_on_a_phone_with_item_9_raises_crisis_help_and_the_supervisors_alert(self):
        org = self.p.org
        org.hotline_number = "12356"
        org.save()
        sup = self.new_page()
        self.log_in(sup, self.p.supervisor.username)
        with sup.expect_response(lambda r: "/alerts/panel/" in r.url):
            sup.goto("/workstation/")
        expect(sup.get_by_test_id("self-test-alert")).to_have_count(0)
        sup.evaluate("window.__sameDocument = true")

        phone = self.new_page(viewport=PHONE)
        phone.goto("/s/")
        phone.get_by_test_id("scale-phq9").click()
        phone.get_by_test_id("consent").check()
        phone.get_by_test_id("start").click()
        answers = [1, 0, 2, 1, 0, 1, 0, 0, 1]
        for number, value in enumerate(answers, start=1):
            expect(phone.get_by_test_id("progress-text")).to_have_text(f"{number} / 9")
            if number == 3:  # back once: the earlier answer is kept and can be changed
                phone.get_by_test_id("back").click()
                expect(phone.get_by_test_id("answer-0")).to_have_class(re.compile("btn-primary"))
                phone.get_by_test_id("answer-0").click()
            phone.get_by_test_id(f"answer-{value}").click()
            if number < 9:
                expect(phone.get_by_test_id("progress-text")).to_have_text(f"{number + 1} / 9")
            self.assertLessEqual(
                phone.evaluate("document.documentElement.scrollWidth"), PHONE["width"],
                "nothing wider than the phone",
            )  # fmt: skip
        expect(phone.get_by_test_id("crisis-channels")).to_be_visible()
        crisis_top = phone.get_by_test_id("crisis-channels").bounding_box()["y"]
        result_top = phone.get_by_test_id("result").bounding_box()["y"]
        self.assertLess(crisis_top, result_top, "the crisis help comes first")
        expect(phone.get_by_test_id("crisis-hotline")).to_have_attribute("href", "tel:12356")
        expect(phone.get_by_test_id("band")).to_have_text("轻度抑郁")
        self.shot(phone, "portal-phq9-crisis-phone")

        # The supervisor's page, never reloaded, shows the alert within a few seconds.
        expect(sup.get_by_test_id("self-test-alert")).to_be_visible(timeout=10_000)
        self.assertTrue(sup.evaluate("window.__sameDocument === true"))
        self.shot(sup, "portal-supervisor-alert", full_page=False)
        sup.get_by_test_id("take-self-test-alert").click()
        expect(sup.get_by_test_id("self-test-alert")).to_have_count(0)

    def test_a_reload_of_the_last_answer_keeps_one_result_and_the_english_portal(self):
        from xinyuan.assessments.models import SelfAssessment

        phone = self.new_page(viewport=PHONE)
        phone.goto("/s/who5/")
        phone.get_by_role("button", name="English").click()
        phone.get_by_test_id("consent").check()
        phone.get_by_test_id("start").click()
        for _ in range(5):
            phone.get_by_test_id("answer-4").click()
        expect(phone.get_by_test_id("band")).to_have_text("Good well-being")
        phone.go_back()
        phone.reload()
        self.assertEqual(SelfAssessment.objects.count(), 1)
        self.shot(phone, "portal-who5-english-phone")
