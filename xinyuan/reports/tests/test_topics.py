from datetime import date, datetime, time, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase, TestCase
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Region, Role
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.hotline.clinical_text import CONTACT_NOTE_FIELDS
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import start_contact
from xinyuan.reports import topics

URL = "/reports/topics/"
TODAY = timezone.localdate()
# The default period (the form's): the last 30 days; the previous one: the 30 days before.
THIS = TODAY - timedelta(days=3)
BEFORE = TODAY - timedelta(days=40)


def contact(counsellor, day: date, codes=(), **texts):
    made = start_contact(counsellor)
    started = timezone.make_aware(datetime.combine(day, time(10)))
    Contact.objects.filter(pk=made.pk).update(
        started_at=started, problem_codes=list(codes), **texts
    )
    return made


class RuleTests(SimpleTestCase):
    def test_the_previous_period_has_the_same_length_and_ends_the_day_before(self):
        for start, end, expected in [
            (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 10, 2), date(2026, 10, 31))),
            (date(2026, 3, 1), date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
            (date(2026, 1, 1), date(2026, 12, 31), (date(2025, 1, 1), date(2025, 12, 31))),
        ]:
            self.assertEqual(topics.previous_period(start, end), expected)

    def test_the_rise_weighs_an_increase_against_the_size_of_the_count(self):
        self.assertGreater(topics.rise(10, 0), topics.rise(5, 0))
        self.assertGreater(topics.rise(8, 0), topics.rise(40, 32), "new beats common")
        self.assertGreater(topics.rise(60, 20), topics.rise(8, 0), "a big rise beats a small")
        self.assertLess(topics.rise(3, 5), 0)

    def test_segmentation_drops_stop_words_particles_and_punctuation(self):
        terms = topics.terms_of("来电者最近失业了，经济压力很大，晚上失眠。")
        self.assertTrue({"失业", "经济", "压力", "失眠"} <= terms, terms)
        self.assertFalse({"来电者", "最近", "了", "，", "很大"} & terms, terms)
        self.assertEqual(topics.terms_of(""), set())

    def test_jieba_keeps_its_dictionary_cache_in_the_data_directory(self):
        tokenizer = topics.tokenizer()
        self.assertEqual(Path(tokenizer.tmp_dir), Path(settings.DATA_DIR) / "cache")
        self.assertTrue((Path(settings.DATA_DIR) / "cache" / "jieba.cache").is_file())

    def test_the_summaries_read_are_clinical_fields_that_retention_empties(self):
        self.assertTrue(set(topics.SUMMARY_FIELDS) <= set(CONTACT_NOTE_FIELDS))


class HotTopicsTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        # This period: job loss and insomnia in four contacts, anxiety coded in three; divorce
        # in only two (not shown); the previous period: insomnia once.
        for n in range(4):
            contact(
                p.counsellor,
                THIS - timedelta(days=n),
                codes=["emotional.anxiety"] if n < 3 else ["work.job_loss"],
                purpose="最近失业了，晚上失眠",
                emotional_state="焦虑" if n < 3 else "",
            )
        for _ in range(2):
            contact(p.counsellor, THIS, codes=["marriage.divorce"], goal="想离婚，很痛苦的决定")
        contact(p.counsellor, BEFORE, codes=["emotional.anxiety"], purpose="晚上失眠")
        # Another centre of the region: counted for the officer only.
        for _ in range(3):
            contact(p.outsider, THIS, codes=["study.exam"], purpose="考试失利")
        # Another region: never counted here.
        far = Region.objects.create(name="远方市卫生健康委员会")
        far_org = Organisation.objects.create(name="远方热线", region=far)
        far_counsellor = make_user("far_counsellor", far_org, Role.COUNSELLOR)
        for _ in range(3):
            contact(far_counsellor, THIS, purpose="台风停电")

    def hot(self, user):
        return topics.hot_topics(user, TODAY - timedelta(days=29), TODAY)

    def test_known_texts_give_the_expected_rising_terms_and_categories(self):
        hot = self.hot(self.p.director)
        terms = {item.key: (item.now, item.before, item.before_shown) for item in hot.terms}
        self.assertEqual(terms["失业"], (4, 0, "0"))
        self.assertEqual(terms["失眠"], (4, 1, "<3"), "a small previous count is not exact")
        self.assertEqual(terms["焦虑"], (3, 0, "0"))
        self.assertEqual(hot.terms[0].key, "失业", "the steepest rise first (4 from 0)")
        categories = {item.key: (item.now, item.before) for item in hot.categories}
        self.assertEqual(categories, {"emotional.anxiety": (3, 1)})
        self.assertEqual(hot.categories[0].label, "情绪问题 · 焦虑紧张")
        self.assertEqual((hot.contacts_now, hot.contacts_before), (6, 1))
        self.assertFalse(hot.capped)

    def test_a_term_or_category_in_only_one_or_two_contacts_is_not_shown(self):
        hot = self.hot(self.p.director)
        self.assertNotIn("离婚", {item.key for item in hot.terms})
        self.assertNotIn("痛苦", {item.key for item in hot.terms})
        self.assertNotIn("marriage.divorce", {item.key for item in hot.categories})
        self.assertNotIn("work.job_loss", {item.key for item in hot.categories})

    def test_the_director_counts_their_centre_and_the_officer_the_region(self):
        self.assertNotIn("考试", {item.key for item in self.hot(self.p.director).terms})
        officer = self.hot(self.p.officer)
        self.assertEqual(
            {item.key: item.now for item in officer.categories}.get("study.exam"),
            3,
            "other centre",
        )
        self.assertEqual(officer.contacts_now, 9)
        # Terms come from what callers said: never across the region.
        self.assertEqual((officer.terms, officer.terms_shown), ([], False))
        self.assertTrue(self.hot(self.p.director).terms_shown)

    def test_a_term_counts_different_callers_so_one_repeat_caller_is_not_shown(self):
        # One known caller, four calls naming their daughter and her school: one caller.
        started = timezone.make_aware(datetime.combine(THIS, time(11)))
        for _ in range(4):
            made = start_contact(self.p.counsellor, caller_number="13700000042")
            Contact.objects.filter(pk=made.pk).update(
                started_at=started, purpose="女儿李小梅在实验中学被欺负"
            )
        self.assertEqual(
            Contact.objects.filter(purpose__contains="李小梅").values("person").distinct().count(),
            1,
        )
        terms = {item.key for item in self.hot(self.p.director).terms}
        self.assertFalse({"李小梅", "实验中学", "实验", "中学", "欺负"} & terms, terms)

    def test_a_term_that_did_not_rise_is_not_listed(self):
        for _ in range(5):
            contact(self.p.counsellor, BEFORE, purpose="最近失业了")
        hot = self.hot(self.p.director)
        self.assertNotIn("失业", {item.key for item in hot.terms}, "5 before, 4 now")

    def test_a_period_over_the_batch_limit_counts_its_latest_contacts_and_says_so(self):
        with mock.patch.object(topics, "MAX_CONTACTS", 3):
            hot = self.hot(self.p.director)
        self.assertTrue(hot.capped)
        self.assertEqual(hot.contacts_now, 3)

    def test_the_report_reads_two_queries_whatever_the_number_of_contacts(self):
        topics.tokenizer()
        with self.assertNumQueries(2):
            self.hot(self.p.director)
        for _ in range(5):
            contact(self.p.counsellor, THIS, codes=["emotional.anger"], purpose="和同事吵架")
        with self.assertNumQueries(2):
            self.hot(self.p.officer)


class TopicsPageTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for _ in range(3):
            contact(cls.p.counsellor, THIS, codes=["emotional.grief"], purpose="母亲去世，很难过")

    def test_the_director_sees_counts_of_terms_and_categories_but_no_sentence(self):
        response = client_for(self.p.director).get(URL)
        self.assertEqual(response.status_code, 200)
        terms = response.content.decode().split('data-testid="rising-terms"')[1]
        self.assertIn("去世", terms)
        self.assertIn("母亲", terms)
        self.assertNotIn("母亲去世，很难过", response.content.decode())
        categories = response.content.decode().split('data-testid="rising-categories"')[1]
        self.assertIn("丧失与哀伤", categories)
        self.assertContains(response, "如何计算")
        self.assertContains(response, "热点话题")
        self.assertContains(response, "本期：")

    def test_the_officer_sees_the_region_s_categories_and_no_term(self):
        response = client_for(self.p.officer).get(URL)
        self.assertContains(response, "测试市卫生健康委员会")
        self.assertContains(response, "丧失与哀伤")
        self.assertNotContains(response, "去世")
        self.assertContains(response, 'data-testid="terms-not-shown"')

    def test_counsellors_supervisors_and_another_centres_staff_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.outsider, self.p.auditor):
            self.assertEqual(client_for(user).get(URL).status_code, 403, user.username)

    def test_another_centres_director_does_not_see_these_terms(self):
        other_director = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        response = client_for(other_director).get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "去世")

    def test_a_reversed_period_gets_a_message_and_keeps_the_dates(self):
        response = client_for(self.p.director).get(
            URL, {"date_from": "2026-11-30", "date_to": "2026-11-01"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="2026-11-30"', status_code=422)
        self.assertContains(response, "起始日期不能晚于截止日期", status_code=422)

    def test_the_page_query_count_does_not_grow_with_the_contacts(self):
        client = client_for(self.p.director)
        client.get(URL)
        with self.assertNumQueries(NUM_PAGE_QUERIES):
            client.get(URL)
        for _ in range(10):
            contact(self.p.counsellor, THIS, codes=["family.conflict"], purpose="家庭矛盾")
        with self.assertNumQueries(NUM_PAGE_QUERIES):
            client.get(URL)


# Session, user and the centre named in the menu, plus the report's two queries.
NUM_PAGE_QUERIES = 5
