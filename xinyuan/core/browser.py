"""Shared set-up of the end-to-end tests: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, expect, sync_playwright

from xinyuan.audit.triggers import lifted
from xinyuan.core.testing import PASSWORD, make_personas

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_COMMAND = (
    "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CJK = re.compile(r"[\u3400-\u9fff]")
# The staff of a Chinese hotline run Chinese browsers; the default-language test below uses a
# browser that asks for no language the platform offers.
BROWSER_LOCALE = "zh-CN"


@functools.cache
def ensure_chromium() -> str:
    """Path of Chromium; installs it (and the CJK fonts) with apt-get where it is missing.

    CI runs as root. Anywhere the install is impossible the test fails with the reason: a
    browser test that silently skips proves nothing.
    """
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if shutil.which("apt-get") is None:
        pytest.fail(
            f"{CHROMIUM} is missing and apt-get is not available to install it; "
            f"install Chromium and fonts-noto-cjk (Debian: `{INSTALL_COMMAND}`).",
            pytrace=False,
        )
    if os.geteuid() == 0:
        command = ["sh", "-c", INSTALL_COMMAND]
    elif shutil.which("sudo"):
        command = ["sudo", "-n", "sh", "-c", INSTALL_COMMAND]
    else:
        pytest.fail(
            f"{CHROMIUM} is missing and this user is not root (no sudo) so it cannot be "
            f"installed; run as root: `{INSTALL_COMMAND}`.",
            pytrace=False,
        )
    result = subprocess.run(  # noqa: S603 - fixed command, no user input
        command, capture_output=True, text=True, timeout=1200, check=False
    )
    if result.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"Installing Chromium failed (exit {result.returncode}); the browser tests need "
            f"{CHROMIUM}. Command: `{INSTALL_COMMAND}`.\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-2000:]}",
            pytrace=False,
        )
    return str(CHROMIUM)


class BrowserTestCase(StaticLiveServerTestCase):
    """One Chromium per class; a fresh browser context (cookies) per user and test.

    Every page is watched: a JavaScript error or a 5xx answer fails the test.
    """

    playwright: Playwright
    browser: Browser

    @classmethod
    def setUpClass(cls):
        executable = ensure_chromium()
        super().setUpClass()
        cls.playwright = sync_playwright().start()
        cls.addClassCleanup(cls.playwright.stop)
        cls.browser = cls.playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        cls.addClassCleanup(cls.browser.close)
        ARTIFACTS.mkdir(exist_ok=True)

    def _fixture_teardown(self):
        # The flush between browser tests deletes every row; audit events are append-only, so
        # the triggers are lifted for the flush only.
        with lifted():
            super()._fixture_teardown()

    def setUp(self) -> None:
        super().setUp()
        self.p = make_personas()
        self.page_errors: list[str] = []
        self.server_errors: list[str] = []

    def tearDown(self) -> None:
        super().tearDown()
        self.assertEqual(self.page_errors, [], "JavaScript errors in the page")
        self.assertEqual(self.server_errors, [], "the server answered 5xx")

    # Helpers --------------------------------------------------------------------------------

    def new_page(
        self,
        *,
        locale: str | None = BROWSER_LOCALE,
        headers: dict[str, str] | None = None,
        viewport: ViewportSize | None = None,
    ) -> Page:
        context = self.browser.new_context(
            base_url=self.live_server_url,
            locale=locale,
            timezone_id=settings.TIME_ZONE,
            viewport=viewport or ViewportSize(width=1440, height=1000),
            extra_http_headers=headers,
        )
        context.set_default_timeout(15_000)
        self.addCleanup(context.close)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        # A script or style the Content-Security-Policy blocked is a defect too.
        page.on(
            "console",
            lambda msg: (
                self.page_errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                self.server_errors.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        return page

    def log_in(self, page: Page, username: str):
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("form:has(#id_username) button[type=submit]")
        expect(page).to_have_url(re.compile(r"/workstation/$"))

    def shot(self, page: Page, name: str, *, full_page: bool = True):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
