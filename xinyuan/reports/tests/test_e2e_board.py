"""The live board in a real browser (Chinese, 1366×768): a supervisor watches it while a
counsellor takes a high-risk call; the board shows the call and the alert within its poll,
without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize, expect

from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.hotline.tests.factories import high_risk_contact
from xinyuan.reports.board import POLL_SECONDS


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

LAPTOP = ViewportSize(width=1366, height=768)


class LiveBoardBrowserTests(BrowserTestCase):
    def test_a_new_high_risk_call_appears_on_the_board_without_a_reload(self):
        page = self.new_page(viewport=LAPTOP)
        self.log_in(page, "supervisor")
        page.get_by_role("link", name="值班看板").click()
        expect(page.get_by_role("heading", name="值班看板")).to_be_visible()
        expect(page.get_by_test_id("no-call-data")).to_have_text("无话务数据")
        expect(page.get_by_test_id("contacts-total")).to_have_text("0")
        # The chart is drawn (ECharts, SVG) under the page's Content-Security-Policy.
        expect(page.locator("[data-board-chart] svg")).to_have_count(1)
        # What the duty lead needs is on the first screen of a 1366×768 laptop.
        for part in ("tile-seats", "tile-alerts", "tile-follow-ups", "tile-volume", "tile-gap"):
            box = page.get_by_test_id(part).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 768, part
        for part in ("board-contacts", "board-alerts"):
            box = page.get_by_test_id(part).bounding_box()
            assert box is not None and box["y"] < 768, part
        page.evaluate("window.boardNotReloaded = true")

        # Meanwhile a counsellor starts a call and judges the risk imminent.
        contact = high_risk_contact(self.p.counsellor, seat=self.p.seat)

        timeout = (POLL_SECONDS + 5) * 1000
        row = page.locator(f'[data-testid="board-contact"][data-contact="{contact.public_id}"]')
        expect(row).to_be_visible(timeout=timeout)
        expect(row).to_contain_text(contact.number)
        expect(row).to_contain_text("07号")
        expect(row.locator("[data-risk]")).to_have_attribute("data-risk", "imminent")
        alert = page.locator(f'[data-testid="board-alert"][data-contact="{contact.public_id}"]')
        expect(alert).to_be_visible()
        expect(page.get_by_test_id("alerts-total")).to_have_text("1")
        expect(page.get_by_test_id("volume-today")).to_have_text("1")
        expect(page.locator("[data-board-chart] svg")).to_have_count(1)  # drawn again
        assert page.evaluate("window.boardNotReloaded === true"), "the page was reloaded"
        self.shot(page, "live-board", full_page=False)

        # The line opens the contact for the supervisor.
        row.get_by_role("link").click()
        expect(page).to_have_url(f"{self.live_server_url}/contacts/{contact.public_id}/")
