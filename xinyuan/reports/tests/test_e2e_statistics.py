"""The statistics table in a real browser: it fits a 1366 px wide screen in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import ViewportSize

from xinyuan.core.browser import BrowserTestCase, ensure_chromium


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

SCREEN = ViewportSize(width=1366, height=768)


class StatisticsLayoutTests(BrowserTestCase):
    def overflow(self, page) -> dict:
        return page.evaluate(
            """() => {
                const wrapper = document.querySelector('[data-testid=statistics-table]')
                    .closest('.table-responsive');
                return {
                    table: wrapper.scrollWidth - wrapper.clientWidth,
                    page: document.documentElement.scrollWidth - window.innerWidth,
                };
            }"""
        )

    def test_the_table_fits_1366_pixels_in_chinese_and_english(self):
        page = self.new_page(viewport=SCREEN)
        self.log_in(page, self.p.director.username)
        page.goto("/reports/statistics/")
        self.shot(page, "e2e-statistics-zh-1366", full_page=False)
        self.assertEqual(self.overflow(page), {"table": 0, "page": 0}, "Chinese")
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        page.goto("/reports/statistics/")
        self.shot(page, "e2e-statistics-en-1366", full_page=False)
        self.assertEqual(self.overflow(page), {"table": 0, "page": 0}, "English")
