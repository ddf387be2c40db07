"""Issue 10, fast during the call: the coded vocabulary, the during-call layout, the
assessment, plan and follow-up saved in place, "call ended, wrap up later" and the wrap-up
list, and the statistics by problem category."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions, rules, taxonomy
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact

HX = {"HX-Request": "true"}


class VocabularyTests(SimpleTestCase):
    def test_the_work_report_categories_are_all_there_with_both_labels(self):
        vocabulary = taxonomy.vocabulary()
        tops = {c.code for c in vocabulary.top_problems()}
        for code in (
            "health",
            "mental_illness",
            "emotional",
            "sexual",
            "romantic",
            "marriage",
            "family",
            "child_education",
            "study",
            "work",
            "interpersonal",
            "economic",
            "suicide",
            "other",
        ):
            self.assertIn(code, tops)
        rows = {c.report for c in vocabulary.top_problems()}
        self.assertEqual(rows, set(taxonomy.REPORT_ROWS))
        self.assertEqual(vocabulary.report_row("family.violence"), "family")
        self.assertEqual(vocabulary.report_row("study.pressure"), "other")
        self.assertTrue(vocabulary.interventions and vocabulary.resources)

    def test_the_file_is_versioned_and_checked(self):
        path = Path(taxonomy.__file__).with_name(f"{taxonomy.VERSION}.json")
        data = json.loads(path.read_text(encoding="utf-8"))
        self.assertEqual(data["version"], taxonomy.VERSION)
        data["problems"][0]["children"].append(
            {"code": "family.x", "zh": "错", "en": "Wrong parent"}
        )
        broken = path.with_name("codes-broken-test.json")
        broken.write_text(json.dumps(data), encoding="utf-8")
        try:
            with self.assertRaises(taxonomy.VocabularyError):
                taxonomy._load(broken)
        finally:
            broken.unlink()

    def test_codes_are_checked_and_kept_in_order_once(self):
        self.assertEqual(
            taxonomy.clean_codes("problems", ["suicide", "family", "suicide"]),
            ["suicide", "family"],
        )
        with self.assertRaises(taxonomy.VocabularyError):
            taxonomy.clean_codes("problems", ["nonsense"])


class CodedStageTests(PersonaMixin, TestCase):
    def test_problems_are_stored_most_urgent_first_with_the_version(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/stages/3/",
            {
                "version": contact.version,
                "s3-problem_codes": ["family", "suicide"],  # page order
                "s3-problem_order": "suicide,family",  # ticked order
            },
            headers=HX,
        )
        self.assertContains(response, 'data-testid="saved"')
        contact.refresh_from_db()
        self.assertEqual(contact.problem_codes, ["suicide", "family"])
        self.assertEqual(contact.codes_version, taxonomy.VERSION)

    def test_an_unknown_code_is_refused_in_words(self):
        contact = start_contact(self.p.counsellor)
        with self.assertRaisesMessage(ValidationError, "未知编码"):
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=contact,
                version=contact.version,
                changes={"problem_codes": ["nonsense"]},
            )

    def test_the_page_holds_every_stage_with_the_wrap_up_fields_folded(self):
        contact = start_contact(self.p.counsellor)
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        html = html.decode()
        for n in range(1, 6):
            self.assertIn(f'data-testid="stage-form-{n}"', html)
        self.assertEqual(html.count('data-stage-panel="2" data-testid="stage-panel-2" hidden'), 1)
        wrap_up = html[html.index('data-testid="wrap-up-1"') :]
        wrap_up = wrap_up[: wrap_up.index("</details>")]
        self.assertIn("s1-caller_education", wrap_up)
        self.assertNotIn("s1-purpose", wrap_up, "the summary is on the call layout")
        self.assertIn('data-testid="chip-suicide"', html)
        self.assertIn('aria-keyshortcuts="Alt+3"', html)

    def test_the_api_takes_and_gives_the_codes(self):
        from xinyuan.accounts.actions import do_issue_api_token

        contact = start_contact(self.p.counsellor)
        _token, secret = do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="switch"
        )
        response = self.client.patch(
            f"/api/v1/contacts/{contact.public_id}",
            data=json.dumps({"version": contact.version, "intervention_codes": ["listening"]}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["intervention_codes"], ["listening"])
        self.assertEqual(body["number"], contact.number)


class InPlaceTests(PersonaMixin, TestCase):
    def test_an_assessment_redraws_the_page_parts_it_changes(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/risk/",
            {
                "ideation": "on",
                "ideation_intensity": 9,
                "hopelessness": 3,
                "plan_timing": "none",
                "method_lethality": "none",
                "last_attempt": "never",
                "act_in_progress": "on",
            },
            headers=HX,
        )
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertNotIn("HX-Refresh", response.headers)
        self.assertIn('data-testid="assessment-saved"', html)
        for slot in (
            "crisis-now-slot",
            "contact-badges",
            "frame-card",
            "protocol-card-slot",
            "crisis-card-slot",
            "close-problems-slot",
            "contact-version",
        ):
            self.assertRegex(html, rf'id="{slot}"[^>]*hx-swap-oob="true"')
        self.assertIn('data-testid="crisis-now"', html)
        contact.refresh_from_db()
        self.assertIn(f'value="{contact.version}" hx-swap-oob="true"', html)

    def test_a_reassessment_keeps_the_crisis_card_and_its_typing(self):
        contact = high_risk_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/risk/",
            {
                "ideation": "on",
                "ideation_intensity": 8,
                "hopelessness": 8,
                "has_plan": "on",
                "plan_timing": "within_72h",
                "method_lethality": "high",
                "means_at_hand": "on",
                "last_attempt": "never",
            },
            headers=HX,
        )
        html = response.content.decode()
        self.assertNotIn('id="crisis-card-slot"', html, "the safety plan being typed stays")
        self.assertRegex(html, r'id="alert-status"[^>]*hx-swap-oob="true"')

    def test_booking_a_follow_up_in_place_updates_what_closing_needs(self):
        contact = high_risk_contact(self.p.counsellor)
        actions.do_save_safety_plan(actor=self.p.counsellor, contact=contact, data=FULL_PLAN)
        client = client_for(self.p.counsellor)
        refused = client.post(
            f"/contacts/{contact.public_id}/follow-ups/", {"consent_given": ""}, headers=HX
        )
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, 'id="follow-up-section"')
        self.assertContains(refused, "invalid-feedback")
        booked = client.post(
            f"/contacts/{contact.public_id}/follow-ups/", {"consent_given": "on"}, headers=HX
        )
        self.assertContains(booked, 'data-testid="booked-follow-up"')
        self.assertContains(booked, 'data-testid="follow-up-saved"')
        self.assertRegex(booked.content.decode(), r'id="close-problems-slot"[^>]*hx-swap-oob')
        self.assertNotContains(booked, 'data-testid="close-problems"', msg_prefix="nothing left")

    def test_a_plan_save_redraws_what_closing_needs(self):
        contact = high_risk_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/safety-plan/",
            {**FULL_PLAN, "plan_version": 0},
            headers=HX,
        )
        html = response.content.decode()
        self.assertRegex(html, r'id="close-problems-slot"[^>]*hx-swap-oob')
        self.assertNotIn("安全计划", re.sub(r"<[^>]+>", "", html.split("close-problems-slot")[1]))

    def test_a_long_text_refusal_does_not_also_say_saved(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/stages/3/",
            {"version": contact.version, "s3-goal": "长" * 30000, "s3-problems": "失眠"},
            headers=HX,
        )
        self.assertContains(response, 'data-testid="not-saved"')
        self.assertContains(response, 'data-testid="rest-saved"')
        self.assertNotContains(response, 'data-testid="saved"')


class WrapUpTests(PersonaMixin, TestCase):
    def test_a_call_ended_waits_on_the_wrap_up_list_with_what_is_missing(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        response = client.post(
            f"/contacts/{contact.public_id}/end-call/", {"version": contact.version}
        )
        self.assertRedirects(response, "/workstation/", fetch_redirect_response=False)
        contact.refresh_from_db()
        self.assertEqual(contact.status, "open")
        self.assertIsNotNone(contact.ended_at)
        html = client.get("/workstation/").content.decode()
        self.assertIn('data-testid="wrap-up-item"', html)
        self.assertIn("处理结果", html[html.index('data-testid="wrap-up-list"') :])
        page = client.get(f"/contacts/{contact.public_id}/").content.decode()
        self.assertIn('data-testid="wrap-up-badge"', page)
        self.assertIn("结束时间</span>：（空） → ", page, "the change history shows old → new")
        self.assertNotIn("data-keepalive-contact", page, "no longer a live call")

    def test_ending_a_high_risk_call_needs_what_is_done_with_the_caller(self):
        contact = high_risk_contact(self.p.counsellor)
        with self.assertRaisesMessage(ValidationError, "安全计划"):
            actions.do_end_call(actor=self.p.counsellor, contact=contact, version=contact.version)

    def test_the_stale_sweep_leaves_a_wrap_up_alone(self):
        from datetime import timedelta

        from django.utils import timezone

        from xinyuan.hotline.actions.contacts import do_close_stale_contacts
        from xinyuan.hotline.models import Contact

        contact = start_contact(self.p.counsellor)
        actions.do_end_call(actor=self.p.counsellor, contact=contact, version=contact.version)
        Contact.objects.filter(pk=contact.pk).update(updated_at=timezone.now() - timedelta(hours=9))
        self.assertEqual(do_close_stale_contacts(), 0)


class ProblemStatisticsTests(PersonaMixin, TestCase):
    def test_contacts_count_in_the_work_report_rows(self):
        for codes in (["suicide.ideation", "family"], ["family.conflict", "family"], []):
            contact = start_contact(self.p.counsellor)
            if codes:
                actions.do_update_contact(
                    actor=self.p.counsellor,
                    contact=contact,
                    version=contact.version,
                    changes={"problem_codes": codes, "intervention_codes": ["crisis"]},
                )
        from datetime import date

        from xinyuan.reports.selectors import problem_statistics

        today = date.today()
        stats = problem_statistics(self.p.director, today, today)
        by_label = dict(stats["rows"])
        self.assertEqual(by_label["家庭问题"], 2, "once per contact")
        self.assertEqual(by_label["其他"], 1, "suicide-related counts as other in the form")
        self.assertEqual(stats["uncoded"], 1)
        self.assertEqual(dict(stats["interventions"])["倾听与情绪支持"], 0)
        self.assertEqual(dict(stats["interventions"])["危机干预"], 2)
        html = client_for(self.p.director).get("/reports/statistics/").content.decode()
        self.assertIn('data-testid="problem-table"', html)


class RiskRuleUnchangedTests(SimpleTestCase):
    def test_the_rule_version_is_unchanged_by_this_work(self):
        self.assertEqual(rules.RISK_RULE_VERSION, "risk-2026.2")


class TargetTimeTests(PersonaMixin, TestCase):
    def test_calls_for_others_or_information_show_their_own_short_target(self):
        client = client_for(self.p.counsellor)
        for contact_type, words in (
            ("general", "30-50"),
            ("for_others", "10-20"),
            ("information", "3-10"),
        ):
            contact = start_contact(self.p.counsellor)
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=contact,
                version=contact.version,
                changes={"contact_type": contact_type},
            )
            html = client.get(f"/contacts/{contact.public_id}/").content.decode()
            timer = html[html.index('data-testid="timer"') :][:300]
            self.assertIn(words, timer, contact_type)


class StrongEmotionInPlaceTests(PersonaMixin, TestCase):
    def test_ticking_strong_emotion_redraws_what_closing_needs(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/stages/2/",
            {"version": contact.version, "s2-strong_negative_emotion": "on"},
            headers=HX,
        )
        html = response.content.decode()
        self.assertRegex(html, r'id="close-problems-slot"[^>]*hx-swap-oob')
        self.assertIn("自杀风险评估", html)
