"""The reports pages in a real browser: the charts draw under the Content-Security-Policy, and
the work report's buttons download the Excel and PDF files named by centre and period."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.reports.tests.test_work_report import build_november


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]


class ReportsPageTests(BrowserTestCase):
    def test_the_charts_draw_and_the_work_report_downloads(self):
        build_november(self.p)
        page = self.new_page()
        self.log_in(page, self.p.director.username)
        page.goto("/reports/?period=month&day=2026-11-15")
        # ECharts draws each chart into a canvas inside its box.
        page.wait_for_selector("[data-chart=type-chart-data] canvas")
        page.wait_for_selector("[data-chart=hour-chart-data] canvas")
        self.shot(page, "e2e-reports-zh")
        page.click("[data-testid=to-work-report]")
        page.goto("/reports/work-report/?period=month&day=2026-11-15")
        self.shot(page, "e2e-work-report-zh")
        for button, ending, magic in (
            ("#download-xlsx", ".xlsx", b"PK"),
            ("#download-pdf", ".pdf", b"%PDF"),
        ):
            with page.expect_download() as info:
                page.click(button)
            download = info.value
            self.assertEqual(
                download.suggested_filename, f"测试热线-心理援助热线工作报表-2026-11{ending}"
            )
            # Wait for the whole file: a context closed while Chromium is still downloading
            # can hang the browser's shutdown (microsoft/playwright#22185).
            self.assertIsNone(download.failure())
            self.assertTrue(Path(download.path()).read_bytes().startswith(magic))
        self.assertEqual(self.page_errors, [])
