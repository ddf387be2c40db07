"""The workload page in a real browser: a supervisor sees who is over which limit, the
director sets the limits (a refused value stays on the page), a counsellor sees their own
week. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xinyuan.core.browser import BrowserTestCase, ensure_chromium
from xinyuan.operations import rules
from xinyuan.operations.models import Shift, WorkloadLimits


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]


class WorkloadBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        from datetime import datetime, time, timedelta
        from zoneinfo import ZoneInfo

        tz = ZoneInfo("Asia/Shanghai")
        monday = rules.week_start_of(timezone.localdate())
        # The second counsellor (08号): three nights this week, over the limit of two.
        for n in range(3):
            day = monday + timedelta(days=n)
            Shift.objects.create(
                organisation=self.p.org,
                seat=self.p.seat,
                user=self.p.counsellor_b,
                starts_at=datetime.combine(day, time(22), tzinfo=tz),
                ends_at=datetime.combine(day + timedelta(days=1), time(6), tzinfo=tz),
            )

    def test_supervisor_sees_who_is_over_and_the_director_sets_the_limits(self):
        page = self.new_page()
        self.log_in(page, "supervisor")
        page.get_by_test_id("nav-operations").click()
        page.get_by_role("link", name="工作负荷").click()
        expect(page).to_have_url(re.compile(r"/operations/workload/$"))
        first = page.get_by_test_id("workload-row").first
        expect(first).to_contain_text("08号")
        expect(first.get_by_test_id("workload-over")).to_have_text("夜班过多")
        self.shot(page, "workload-supervisor")
        page.get_by_test_id("workload-next").click()
        expect(page.get_by_test_id("workload-summary")).to_contain_text("所有人均未超限")

        director = self.new_page()
        self.log_in(director, "director")
        director.goto("/operations/workload/")
        director.get_by_test_id("workload-limits-link").click()
        director.fill("#id_max_night_shifts_per_week", "-1")
        director.fill("#id_max_hours_per_week", "37.5")
        director.get_by_role("button", name="保存").click()
        expect(director.locator(".invalid-feedback")).to_have_text("请填写 0 到 7 之间的整数。")
        expect(director.locator("#id_max_hours_per_week")).to_have_value("37.5")
        self.shot(director, "workload-limits-refused")
        director.fill("#id_max_night_shifts_per_week", "3")
        director.get_by_role("button", name="保存").click()
        expect(director).to_have_url(re.compile(r"/operations/workload/$"))
        expect(director.get_by_test_id("workload-summary")).to_contain_text("所有人均未超限")
        self.assertEqual(
            WorkloadLimits.objects.get(organisation=self.p.org).max_night_shifts_per_week, 3
        )

    def test_a_counsellor_sees_their_own_week(self):
        page = self.new_page()
        self.log_in(page, "counsellor_b")
        page.get_by_test_id("nav-my-work").click()
        page.get_by_role("link", name="我的工作量").click()
        card = page.get_by_test_id("workload-own")
        expect(card).to_contain_text("我的本周工作量")
        expect(card.get_by_test_id("workload-over")).to_have_text("夜班过多")
        expect(page.get_by_test_id("workload-table")).to_have_count(0)
        self.shot(page, "workload-counsellor")
