"""Issue 11's "Done when", in a real browser, in Chinese, on a 1366×768 laptop: running a centre.

One story through the pages a centre's people use: the director adds a seat and invites a
part-time counsellor, who sets a password by the one-time link and signs in; the director sets
the service hours; the supervisor builds the week's rota (the untrained newcomer is refused with
the missing topics named, their training is recorded, then they are rostered) and the coverage
page flags exactly the uncovered hours; the supervisor watches the live board while the
newcomer takes a high-risk call; the director downloads the month's work report as Excel and
PDF, whose figures equal the JSON summary and a direct SQL count.

Dates are chosen so the test holds whatever the clock says: the rota day is two days ahead, the
report's month is the month the call was taken in, and the seeded contacts sit at that month's
first instant (never in the future) and one second before it (the month before).

The figures seen go to ``test-artifacts/running-the-centre.txt``, screenshots beside it.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation
from playwright.sync_api import Page, ViewportSize, expect

from xinyuan.accounts.models import User
from xinyuan.core.browser import ARTIFACTS, BrowserTestCase, ensure_chromium
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact
from xinyuan.operations.models import REQUIRED_TOPICS, Shift, TrainingTopic
from xinyuan.operations.tests.factories import trained
from xinyuan.reports.board import POLL_SECONDS
from xinyuan.reports.selectors.work_report import problem_labels
from xinyuan.reports.tests.test_work_report import ensure_cjk_font, pdf_text


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return ensure_chromium()


pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium_executable")]

LAPTOP = ViewportSize(width=1366, height=768)
NEWCOMER = "lin.xiao"
NEWCOMER_ALIAS = "12号"
NEWCOMER_PASSWORD = "晓林-值班-2026-热线"  # noqa: S105 - a test account's password
SUMMARY = ARTIFACTS / "running-the-centre.txt"


def sql_count(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def move(contact: Contact, started_at: datetime, **fields) -> None:
    """Seeded data: a contact built through the actions, put at a past instant."""
    Contact.objects.filter(pk=contact.pk).update(started_at=started_at, **fields)


class RunningTheCentreTests(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The counsellor already on the staff holds every required training.
        trained(self.p.counsellor)

    def signed_in(self, username: str, password: str | None = None) -> Page:
        page = self.new_page(viewport=LAPTOP)
        if password is None:
            self.log_in(page, username)
        else:
            page.goto("/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("form:has(#id_username) button[type=submit]")
            expect(page).to_have_url(re.compile(r"/workstation/$"))
        return page

    def test_running_the_centre_end_to_end(self):
        numbers: dict[str, object] = {}
        newcomer = self.staff_the_centre()
        day = timezone.localdate() + timedelta(days=2)
        self.set_service_hours(day)
        self.build_the_rota(day, newcomer)
        numbers["gaps"] = self.check_coverage(day)
        contact = self.watch_a_high_risk_call()
        numbers.update(self.work_report_agrees(contact))
        line = " ".join(f"{name}={value}" for name, value in numbers.items())
        print(f"\nrunning the centre: {line}")
        with SUMMARY.open("a", encoding="utf-8") as summary:
            summary.write(
                f"running the centre ({connection.vendor}, {timezone.now():%Y-%m-%d %H:%M} "
                f"UTC): {line}\n"
            )

    # 1. Staff and seats ----------------------------------------------------------------------

    def staff_the_centre(self) -> User:
        page = self.signed_in(self.p.director.username)
        page.get_by_test_id("nav-centre").click()
        expect(page).to_have_url(re.compile(r"/accounts/centre/$"))
        expect(page.locator("main h1")).to_contain_text(self.p.org.name)

        # A seat.
        page.locator("main .nav-tabs a[href='/centre/seats/']").click()
        page.fill("#id_code", "A02")
        page.locator("main form:has(#id_code) button[type=submit]").click()
        seats = page.get_by_test_id("seat-list")
        expect(seats.locator("input[name=code]")).to_have_count(2)
        expect(seats.locator("input[name=code][value=A02]")).to_have_count(1)

        # A part-time counsellor from a hospital, by invitation.
        page.locator("main .nav-tabs a[href='/accounts/centre/staff/']").click()
        page.locator("main a[href='/accounts/centre/staff/invite/']").click()
        form = page.get_by_test_id("staff-form")
        form.locator("#id_username").fill(NEWCOMER)
        form.locator("#id_first_name").fill("林晓")
        form.locator("#id_role").select_option("counsellor")
        form.locator("#id_alias").fill(NEWCOMER_ALIAS)
        form.locator("#id_qualification").select_option("counsellor")
        form.locator("#id_employment").select_option("part_time")
        form.locator("#id_home_institution").fill("市第二人民医院")
        form.locator("button[type=submit]").click()
        link = page.get_by_test_id("sign-in-link")
        expect(link).to_contain_text("/accounts/login/welcome/")
        url = link.inner_text().strip()
        page.locator("main a.btn[href='/accounts/centre/staff/']").click()
        row = page.get_by_test_id("staff-list").locator("tr", has_text=NEWCOMER)
        for text in (NEWCOMER_ALIAS, "林晓", "市第二人民医院"):
            expect(row).to_contain_text(text)
        self.shot(page, "running-the-centre-staff", full_page=False)
        newcomer = User.objects.get(username=NEWCOMER)
        self.assertEqual(
            (newcomer.organisation_id, newcomer.role, newcomer.employment, newcomer.qualification),
            (self.p.org.pk, "counsellor", "part_time", "counsellor"),
        )
        self.assertFalse(newcomer.has_usable_password())

        # The newcomer, on their own browser, chooses a password with the link and signs in.
        own = self.new_page(viewport=LAPTOP)
        own.goto(url)
        expect(own.locator("main")).to_contain_text(NEWCOMER)
        own.fill("#id_password", NEWCOMER_PASSWORD)
        own.fill("#id_password_again", NEWCOMER_PASSWORD)
        own.locator("main form button[type=submit]").click()
        expect(own).to_have_url(re.compile(r"/accounts/login/"))
        own.context.close()
        self.signed_in(NEWCOMER, NEWCOMER_PASSWORD).context.close()
        # The link worked once.
        again = self.new_page(viewport=LAPTOP)
        again.goto(url)
        expect(again.get_by_test_id("link-invalid")).to_be_visible()
        again.context.close()
        page.context.close()
        return newcomer

    # 2. Service hours, the rota, coverage ----------------------------------------------------

    def set_service_hours(self, day: date) -> None:
        page = self.signed_in(self.p.director.username)
        page.goto("/operations/service-hours/")
        form = page.get_by_test_id("window-form")
        form.locator("#id_weekday").select_option(str(day.weekday()))
        form.locator("#id_starts_at").fill("08:00")
        form.locator("#id_ends_at").fill("22:00")
        form.locator("#id_min_seats").fill("2")
        form.locator("button[type=submit]").click()
        windows = page.get_by_test_id("service-windows")
        expect(windows.locator("tbody tr")).to_have_count(1)
        expect(windows).to_contain_text("08:00")
        expect(windows).to_contain_text("22:00")
        page.context.close()

    def build_the_rota(self, day: date, newcomer: User) -> None:
        page = self.signed_in(self.p.supervisor.username)
        monday = day - timedelta(days=day.weekday())
        page.goto(f"/operations/rota/?week={monday:%Y-%m-%d}")
        expect(page.get_by_test_id("rota-grid")).to_be_visible()

        def add_shift(seat: str, starts: str, ends: str, person: str | None) -> None:
            form = page.get_by_test_id("shift-form")
            form.locator("[name=seat]").select_option(seat)
            form.locator("[name=day]").fill(f"{day:%Y-%m-%d}")
            form.locator("[name=starts_at]").fill(starts)
            form.locator("[name=ends_at]").fill(ends)
            if person:
                form.locator("[name=person]").select_option(label=person)
            else:
                form.locator("[name=person]").select_option(value="")
            form.locator("button[type=submit]").click()
            expect(page.locator("main .alert-success")).to_be_visible()

        # One seat all day; the second only in the morning, its shift open for now.
        add_shift("A01", "08:00", "22:00", self.p.counsellor.alias)
        add_shift("A02", "08:00", "14:00", None)
        cell = (
            page.get_by_test_id("rota-grid")
            .locator("tbody tr", has=page.locator("th", has_text="A02"))
            .locator("td")
            .nth(day.weekday())
        )
        shift = cell.get_by_test_id("shift")
        expect(shift).to_have_count(1)
        expect(shift).to_contain_text("08:00–14:00")

        # The newcomer has no training yet: refused, each missing topic named.
        def assign_newcomer() -> None:
            shift.locator("select[name=person]").select_option(label=NEWCOMER_ALIAS)
            shift.locator("form:has(select[name=person]) button[type=submit]").click()

        assign_newcomer()
        refusal = page.locator("main .alert-danger")
        expect(refusal).to_contain_text(f"{NEWCOMER_ALIAS} 不能排班")
        with translation.override("zh-hans"):
            topics = [str(TrainingTopic(topic).label) for topic in REQUIRED_TOPICS]
        for topic in topics:
            expect(refusal).to_contain_text(topic)
        self.shot(page, "running-the-centre-rota-refused", full_page=False)
        self.assertFalse(Shift.objects.filter(user=newcomer).exists())

        # The supervisor records the pre-service training the newcomer took at the hospital.
        page.goto("/operations/training/")
        page.get_by_role("link", name=NEWCOMER_ALIAS, exact=True).click()
        for topic in REQUIRED_TOPICS:
            page.locator(
                f"main a[href='/operations/training/records/new/?person={newcomer.public_id}']"
            ).click()
            form = page.locator("main form:has([name=topic])")
            expect(form.locator("[name=person] option:checked")).to_have_text(NEWCOMER_ALIAS)
            form.locator("[name=topic]").select_option(str(topic))
            form.locator("[name=title]").fill("岗前培训（市第二人民医院）")
            form.locator("[name=hours]").fill("4")
            form.locator("[name=completed_on]").fill(f"{timezone.localdate():%Y-%m-%d}")
            form.locator("button[type=submit]").click()
            expect(page).to_have_url(re.compile(rf"/training/people/{newcomer.public_id}/$"))
        self.assertEqual(newcomer.training_records.count(), len(REQUIRED_TOPICS))

        # Now the newcomer may take the morning shift of the second seat.
        page.goto(f"/operations/rota/?week={monday:%Y-%m-%d}")
        assign_newcomer()
        expect(page.locator("main .alert-success")).to_be_visible()
        expect(shift).to_contain_text(NEWCOMER_ALIAS)
        self.assertEqual(Shift.objects.filter(user=newcomer).count(), 1)
        page.context.close()

    def check_coverage(self, day: date) -> str:
        page = self.signed_in(self.p.supervisor.username)
        page.goto(f"/operations/rota/?week={day:%Y-%m-%d}")
        page.locator("main a[href='/operations/coverage/']").first.click()
        expect(page).to_have_url(re.compile(r"/operations/coverage/$"))

        def gap_hours(on: date) -> list[int]:
            row = page.get_by_test_id("coverage-grid").locator(
                "tbody tr", has=page.locator("th", has_text=f"{on:%m-%d}")
            )
            expect(row).to_have_count(1)
            return row.evaluate(
                "row => [...row.querySelectorAll('td')].flatMap((td, hour) =>"
                " td.dataset.gap ? [hour] : [])"
            )

        # The day: both seats until 14:00, one of two from 14:00 to 22:00.
        self.assertEqual(gap_hours(day), list(range(14, 22)))
        # The same weekday a week later has no shift at all: every service hour is a gap.
        self.assertEqual(gap_hours(day + timedelta(days=7)), list(range(8, 22)))
        row = page.get_by_test_id("coverage-grid").locator(
            "tbody tr", has=page.locator("th", has_text=f"{day:%m-%d}")
        )
        cells = row.locator("td")
        expect(cells.nth(13)).to_have_text("2/2")
        expect(cells.nth(13)).to_have_class(re.compile(r"\btable-success\b"))
        expect(cells.nth(14)).to_have_text("1/2")
        expect(cells.nth(14)).to_have_class(re.compile(r"\btable-danger\b"))
        # Red, as the eye sees it.
        red, green, blue = (
            int(c)
            for c in re.findall(
                r"\d+", cells.nth(14).evaluate("td => getComputedStyle(td).backgroundColor")
            )[:3]
        )
        self.assertGreater(red, green + 20)
        self.assertGreater(red, blue + 20)
        # The next gap, first on the page, names its hour; 8 + 14 hours in all.
        top = page.get_by_test_id("next-gap")
        expect(top).to_contain_text(f"{day:%Y-%m-%d} 14:00")
        expect(top).to_contain_text("共有 22 个小时")
        first = page.evaluate("document.querySelector('main .alert').dataset.testid")
        self.assertEqual(first, "next-gap")
        self.shot(page, "running-the-centre-coverage", full_page=False)
        page.context.close()
        return f"{day:%Y-%m-%d} 14-22h,{day + timedelta(days=7):%Y-%m-%d} 8-22h"

    # 3. The live board -----------------------------------------------------------------------

    def watch_a_high_risk_call(self) -> Contact:
        board = self.signed_in(self.p.supervisor.username)
        board.get_by_role("link", name="值班看板").click()
        expect(board.get_by_role("heading", name="值班看板")).to_be_visible()
        expect(board.get_by_test_id("board-contact")).to_have_count(0)
        board.evaluate("window.boardNotReloaded = true")

        # The newcomer, on their own browser, takes a call: a break-up, strong ideation and
        # hopelessness, assessed high.
        page = self.signed_in(NEWCOMER, NEWCOMER_PASSWORD)
        page.get_by_test_id("start-contact").click()
        expect(page).to_have_url(re.compile(r"/contacts/[0-9a-f-]{36}/$"))
        match = re.search(r"/contacts/([0-9a-f-]{36})/", page.url)
        assert match is not None
        form = page.get_by_test_id("risk-form")
        form.locator("#id_ideation").check()
        form.locator("#id_ideation_intensity").fill("8")
        form.locator("#id_hopelessness").fill("8")
        expect(page.locator("#risk-preview .badge.risk-high")).to_be_visible()
        page.get_by_test_id("save-assessment").click()
        expect(page.locator("[data-testid=latest-risk] [data-risk=high]")).to_have_count(1)
        page.get_by_test_id("stage-tab-3").click()
        page.get_by_test_id("chip-romantic").click()
        expect(page.locator("#status-stage-3 [data-testid=saved]")).to_be_visible()
        contact = Contact.objects.get(public_id=match.group(1))
        self.assertEqual((contact.risk_level, contact.problem_codes), ("high", ["romantic"]))

        timeout = (POLL_SECONDS + 5) * 1000
        row = board.locator(f'[data-testid="board-contact"][data-contact="{contact.public_id}"]')
        expect(row).to_be_visible(timeout=timeout)
        expect(row).to_contain_text(NEWCOMER_ALIAS)
        expect(row.locator("[data-risk]")).to_have_attribute("data-risk", "high")
        alert = board.locator(f'[data-testid="board-alert"][data-contact="{contact.public_id}"]')
        expect(alert).to_be_visible()
        expect(board.get_by_test_id("alerts-total")).to_have_text("1")
        self.assertTrue(board.evaluate("window.boardNotReloaded === true"), "the board reloaded")
        self.shot(board, "running-the-centre-board", full_page=False)
        page.context.close()
        board.context.close()
        return contact

    # 4. The work report ----------------------------------------------------------------------

    def work_report_agrees(self, live: Contact) -> dict[str, object]:
        ensure_cjk_font()
        # The month the call was taken in; the seeded contacts at its first instant (never in
        # the future) and one second before it.
        taken_on = timezone.localtime(live.started_at).date()
        first = taken_on.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        start = timezone.make_aware(datetime(first.year, first.month, first.day))
        end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
        move(high_risk_contact(self.p.counsellor), start, problem_codes=["romantic.breakup"])
        move(start_contact(self.p.counsellor), start, problem_codes=["family.conflict"])
        move(start_contact(self.p.counsellor, channel="chat"), start)
        move(
            high_risk_contact(self.p.counsellor),
            start - timedelta(seconds=1),
            problem_codes=["romantic"],
        )
        move(high_risk_contact(self.p.outsider), start, problem_codes=["romantic"])

        # Direct SQL, by hand.
        adapt = connection.ops.adapt_datetimefield_value
        params = [self.p.org.pk, adapt(start), adapt(end)]
        contacts_sql = (
            "SELECT COUNT(*) FROM hotline_contact WHERE organisation_id = %s "
            "AND started_at >= %s AND started_at < %s"
        )
        sql = {
            "contacts": sql_count(contacts_sql, params),
            "phone": sql_count(contacts_sql + " AND channel = 'phone'", params),
            "high_crisis": sql_count(
                contacts_sql + " AND risk_level IN ('high', 'imminent')", params
            ),
            "romantic": sql_count(
                contacts_sql + " AND (CAST(problem_codes AS TEXT) LIKE %s"
                " OR CAST(problem_codes AS TEXT) LIKE %s)",
                [*params, '%"romantic"%', '%"romantic.%'],
            ),
        }
        # The live call and the three seeded in the month; two high, two romantic.
        self.assertEqual(sql, {"contacts": 4, "phone": 3, "high_crisis": 2, "romantic": 2})

        page = self.signed_in(self.p.director.username)
        page.get_by_test_id("nav-reports").click()
        page.get_by_test_id("nav-work-report").click()
        expect(page).to_have_url(re.compile(r"/reports/work-report/"))
        period = page.get_by_test_id("report-period")
        period.locator("[name=period]").select_option("month")
        period.locator("[name=day]").fill(f"{first:%Y-%m-%d}")
        period.locator("button[type=submit]").click()
        expect(page.get_by_test_id("report-period-shown")).to_contain_text(
            f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
        )
        self.shot(page, "running-the-centre-work-report", full_page=False)
        self.shot(page, "running-the-centre-work-report-full")

        files: dict[str, bytes] = {}
        for button, ending in (("#download-xlsx", ".xlsx"), ("#download-pdf", ".pdf")):
            with page.expect_download() as info:
                page.click(button)
            download = info.value
            self.assertEqual(
                download.suggested_filename,
                f"{self.p.org.name}-心理援助热线工作报表-{first:%Y-%m}{ending}",
            )
            path = ARTIFACTS / f"running-the-centre{ending}"
            download.save_as(path)
            files[ending] = path.read_bytes()

        # The JSON summary, in the same signed-in browser (session).
        answer = page.request.get(
            f"/api/v1/reports/summary?from={first:%Y-%m-%d}&to={last:%Y-%m-%d}&group_by=month"
        )
        self.assertEqual(answer.status, 200, answer.text())
        summary = answer.json()
        total = summary["total"]
        self.assertEqual([b["first_day"] for b in summary["buckets"]], [f"{first:%Y-%m-%d}"])
        as_json = {
            "contacts": total["service"]["contacts"],
            "phone": total["service"]["calls_handled"],
            "high_crisis": total["service"]["high_crisis"],
            "romantic": total["problems"]["rows"]["romantic"],
        }
        self.assertEqual(as_json, sql)
        self.assertEqual(summary["buckets"][0]["service"]["contacts"], sql["contacts"])

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(files[".xlsx"]))
        service = {r[0]: r[1] for r in book["服务情况"].iter_rows(min_row=3, values_only=True)}
        problems = {r[0]: r[1] for r in book["问题类型"].iter_rows(min_row=3, values_only=True)}
        with translation.override("zh-hans"):
            romantic = problem_labels()["romantic"]
        in_excel = {
            "contacts": service["接待总数（全部渠道）"],
            "phone": service["接听量"],
            "high_crisis": service["高危来电"],
            "romantic": problems[romantic],
        }
        self.assertEqual(in_excel, sql)

        text = pdf_text(files[".pdf"])
        for label, name in (
            ("接待总数（全部渠道）", "contacts"),
            ("接听量", "phone"),
            ("高危来电", "high_crisis"),
            (romantic, "romantic"),
        ):
            self.assertIn(f"{label} {sql[name]}", text)
        page.context.close()
        return {
            "month": f"{first:%Y-%m}",
            **{f"sql_{k}": v for k, v in sql.items()},
            **{f"json_{k}": v for k, v in as_json.items()},
            **{f"xlsx_{k}": v for k, v in in_excel.items()},
            "pdf": "same",
        }
