"""The planning calculator (CM-08, OP-06): the pure rules at their boundaries, and the page."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings as django_settings
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.operations import planning as rules
from xinyuan.operations.planning import Counts, Settings

URL = reverse("operations:planning")
SEEDS = Path("/work/shared/seeds")


class IsolatedWorkersTests(SimpleTestCase):
    def test_six_to_nine_per_200_rounded_up_at_every_boundary(self):
        cases = {
            0: (0, 0),
            1: (1, 1),  # 0.03–0.045 → 1–1
            199: (6, 9),  # 5.97–8.955
            200: (6, 9),
            201: (7, 10),  # 6.03–9.045
            400: (12, 18),
            450: (14, 21),  # 13.5–20.25, the example on the page
        }
        for isolated, expected in cases.items():
            with self.subTest(isolated=isolated):
                self.assertEqual(rules.isolated_workers(isolated), expected)

    def test_exact_multiples_are_not_rounded(self):
        self.assertEqual(rules.isolated_workers(2000), (60, 90))
        self.assertEqual(rules.isolated_workers(100), (3, 5))  # 3 and 4.5 → 5


class PercentTests(SimpleTestCase):
    def test_percentages_round_up(self):
        self.assertEqual(rules.percent_of(0, 30), 0)
        self.assertEqual(rules.percent_of(1, 30), 1)
        self.assertEqual(rules.percent_of(10, 30), 3)
        self.assertEqual(rules.percent_of(11, 30), 4)  # 3.3 → 4
        self.assertEqual(rules.percent_of(0, 15), 0)
        self.assertEqual(rules.percent_of(1, 15), 1)
        self.assertEqual(rules.percent_of(20, 15), 3)
        self.assertEqual(rules.percent_of(21, 15), 4)  # 3.15 → 4
        self.assertEqual(rules.percent_of(7, 15), 2)  # 1.05 → 2

    def test_the_groups_each_share_applies_to(self):
        counts = Counts(
            frontline_medical=10, confirmed_patients=20, patient_families=30, bereaved_families=40
        )
        result = rules.plan(counts)
        # 30 %: medical staff, patients and their families, bereaved families (seed 001).
        self.assertEqual(result.assess_base, 100)
        self.assertEqual(result.to_assess, 30)
        # 15 %: medical staff, patients, bereaved families — not the patients' families.
        self.assertEqual(result.intervene_base, 70)
        self.assertEqual(result.to_intervene, 11)  # 10.5 → 11

    def test_levels_and_isolated_do_not_count_towards_the_shares(self):
        result = rules.plan(Counts(isolated=1000, level_1=5, level_2=6, level_3=7, level_4=8))
        self.assertEqual((result.to_assess, result.to_intervene), (0, 0))
        self.assertEqual(result.levels_total, 26)
        self.assertEqual((result.isolated_workers_min, result.isolated_workers_max), (30, 45))

    def test_negative_counts_are_refused(self):
        with self.assertRaises(ValueError):
            rules.plan(Counts(isolated=-1))
        with self.assertRaises(ValueError):
            rules.ceil_div(1, 0)


class TimetableTests(SimpleTestCase):
    def test_weeks_and_workers_with_the_default_settings(self):
        # 100 people → 30 assessments × 60 min = 30 h; 15 × 4 sessions × 60 min = 60 h.
        counts = Counts(frontline_medical=100)
        result = rules.plan(counts, Settings(workers_available=1, target_weeks=1))
        self.assertEqual(result.assessment_minutes, 30 * 60)
        self.assertEqual(result.session_minutes, 60 * 60)
        self.assertEqual(result.capacity_minutes_per_week, 40 * 60)
        self.assertEqual(result.weeks_needed, 3)  # 90 h ÷ 40 h = 2.25 → 3
        self.assertEqual(result.workers_for_target, 3)  # 90 h in one week at 40 h each
        self.assertEqual(
            [
                (w.week, w.assessment_minutes, w.session_minutes, w.remaining_minutes)
                for w in result.timetable
            ],
            [(1, 1800, 600, 3000), (2, 0, 2400, 600), (3, 0, 600, 0)],
        )
        self.assertFalse(result.timetable_truncated)
        self.assertEqual(result.version, "planning-1")

    def test_exact_fit_is_not_rounded_up(self):
        # 40 h of work, one worker of 40 h a week: exactly one week.
        result = rules.plan(
            Counts(frontline_medical=10),  # 3 assessments, 2 people × 4 sessions
            Settings(workers_available=1, minutes_per_assessment=400, minutes_per_session=150),
        )
        self.assertEqual(result.total_minutes, 2400)
        self.assertEqual(result.weeks_needed, 1)

    def test_no_work_and_no_workers(self):
        nothing = rules.plan(Counts(), Settings(workers_available=0, target_weeks=4))
        self.assertEqual((nothing.weeks_needed, nothing.workers_for_target), (0, 0))
        self.assertEqual(nothing.timetable, [])
        stuck = rules.plan(Counts(confirmed_patients=1), Settings(workers_available=0))
        self.assertIsNone(stuck.weeks_needed)
        self.assertEqual(stuck.timetable, [])
        self.assertTrue(stuck.timetable_truncated)
        self.assertIsNone(stuck.workers_for_target)

    def test_a_long_timetable_is_cut(self):
        result = rules.plan(Counts(confirmed_patients=10_000), Settings(workers_available=1))
        self.assertEqual(len(result.timetable), rules.TIMETABLE_MAX_WEEKS)
        self.assertTrue(result.timetable_truncated)
        self.assertGreater(result.weeks_needed, rules.TIMETABLE_MAX_WEEKS)


class SourcesTests(SimpleTestCase):
    def test_every_quote_is_in_its_seed(self):
        """The quotes are the seed's words (the seed breaks one sentence over lines with stray
        full stops; compared with those removed)."""
        if not SEEDS.exists():
            self.skipTest("seed documents not present")
        for source in rules.SOURCES.values():
            text = (SEEDS / source.seed).read_text(encoding="utf-8")
            joined = text.replace("。\n\n", "").replace("\n", "")
            found = source.quote in text or source.quote.rstrip("。") in joined
            with self.subTest(source=source.key):
                self.assertTrue(found, f"{source.key} not in {source.seed}")


VALID = {
    "isolated": "450",
    "frontline_medical": "100",
    "confirmed_patients": "0",
    "patient_families": "0",
    "bereaved_families": "0",
    "level_1": "100",
    "level_2": "0",
    "level_3": "0",
    "level_4": "0",
    "workers_available": "1",
    "days_per_week": "5",
    "hours_per_day": "8",
    "minutes_per_assessment": "60",
    "sessions_per_person": "4",
    "minutes_per_session": "60",
    "target_weeks": "1",
}


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class PageTests(PersonaMixin, TestCase):
    def test_the_empty_form_in_chinese(self):
        response = client_for(self.p.supervisor).get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'lang="zh-hans"')
        self.assertContains(response, 'data-testid="planning-empty"')
        self.assertContains(response, "planning-1")

    def test_figures_with_their_sources_in_english(self):
        response = english(client_for(self.p.director)).get(URL, VALID)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "14–21 workers")
        self.assertContains(response, "450 × 6 ÷ 200 = 13.50 → 14")
        self.assertContains(response, "200 people → 6–9 workers")
        self.assertContains(response, "30 people")  # 30 % of 100
        self.assertContains(response, "3 weeks")  # 90 h ÷ 40 h
        self.assertContains(response, "Workers needed to finish within 1 week")
        self.assertContains(
            response, "每200名隔离人员建议配置具备专业资质的社会工作者或心理咨询师6—9人。"
        )
        self.assertContains(response, "对其中30%的人员进行专业心理测评")
        self.assertContains(response, "有15%需要个体心理干预")
        self.assertContains(response, rules.SEED_001)
        self.assertContains(response, "No figure in the sources; set by the centre.")
        self.assertContains(response, 'data-testid="planning-timetable"')

    def test_figures_in_chinese(self):
        response = client_for(self.p.supervisor).get(URL, VALID)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "每200名隔离人员")
        self.assertContains(response, 'data-testid="planning-results"')

    def test_bad_input_is_refused_in_the_users_language_and_kept(self):
        bad = {**VALID, "isolated": "-3", "hours_per_day": "abc", "days_per_week": "9"}
        response = client_for(self.p.supervisor).get(URL, bad)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "确保该值大于或等于0", status_code=422)
        self.assertContains(response, "请填写整数", status_code=422)
        self.assertContains(response, 'value="-3"', status_code=422)
        self.assertContains(response, 'value="abc"', status_code=422)
        self.assertContains(response, 'value="9"', status_code=422)
        self.assertContains(response, 'value="100"', status_code=422)  # the rest kept too
        self.assertNotContains(response, 'data-testid="planning-results"', status_code=422)

        english_response = english(client_for(self.p.supervisor)).get(URL, bad)
        self.assertEqual(english_response.status_code, 422)
        self.assertContains(
            english_response, "Ensure this value is greater than or equal to 0.", status_code=422
        )
        self.assertContains(english_response, "Enter a whole number.", status_code=422)

    def test_empty_counts_are_zero_but_settings_are_required(self):
        response = english(client_for(self.p.director)).get(
            URL, {**VALID, "confirmed_patients": "", "level_4": ""}
        )
        self.assertEqual(response.status_code, 200)
        response = english(client_for(self.p.director)).get(URL, {**VALID, "hours_per_day": ""})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "This field is required.", status_code=422)

    def test_no_worker_says_so(self):
        response = english(client_for(self.p.director)).get(
            URL, {**VALID, "workers_available": "0"}
        )
        self.assertContains(response, "Cannot be done: no worker available.")
        self.assertContains(response, 'data-testid="planning-no-workers"')

    def test_roles_refused(self):
        for user in (self.p.counsellor, self.p.auditor, self.p.admin, self.p.officer):
            with self.subTest(role=user.role):
                self.assertEqual(client_for(user).get(URL, VALID).status_code, 403)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertIn("login", response["Location"])

    def test_the_menu_links_to_it_for_those_who_may_use_it(self):
        self.assertContains(client_for(self.p.supervisor).get(URL), 'data-testid="nav-planning"')
        page = client_for(self.p.counsellor).get(reverse("operations:rota-week"))
        self.assertNotContains(page, 'data-testid="nav-planning"')
