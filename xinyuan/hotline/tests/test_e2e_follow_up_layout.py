"""The follow-up page in a real browser: a risk level is a badge, not a bar across its card."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize

from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.tests.factories import high_risk_contact


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]


class FollowUpLayoutTests(BrowserTestCase):
    def test_the_last_level_badge_keeps_the_width_of_its_words(self):
        contact = high_risk_contact(self.p.counsellor, caller_number="13700000000")
        follow_up = do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        page = self.new_page(viewport=ViewportSize(width=1366, height=768))
        self.log_in(page, self.p.counsellor.username)
        page.goto(f"/cases/follow-ups/{follow_up.public_id}/")
        card = page.get_by_test_id("last-level")
        badge = card.locator("[data-risk]")
        self.shot(page, "e2e-follow-up-last-level", full_page=False)
        card_box, badge_box = card.bounding_box(), badge.bounding_box()
        assert card_box is not None and badge_box is not None
        self.assertLess(badge_box["width"], card_box["width"] / 3, "the badge is not stretched")
        label_top = card.evaluate("card => card.getBoundingClientRect().top")
        self.assertLess(badge_box["y"] - label_top, 40, "the badge stands on the label's line")
        self.assertIn("最近一次判定的等级：", card.inner_text())
