"""The returning caller (issue 10): the summary at the top of a known caller's new contact, the
profile pre-filled, the last safety plan carried forward, a due follow-up recorded as this call,
the harassment warning and the supervisors' time-limited caller notes. Never the number."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xinyuan.accounts.models import Role
from xinyuan.audit.models import AuditEvent
from xinyuan.cases.actions.caller_notes import do_remove_caller_note, do_set_caller_note
from xinyuan.cases.models import CallerNote, FollowUp, FollowUpStatus
from xinyuan.cases.selectors import active_caller_notes, caller_notes_visible_to
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import client_for, make_personas, make_user
from xinyuan.hotline import actions, rules, selectors
from xinyuan.hotline.actions.break_glass import do_open_break_glass
from xinyuan.hotline.actions.returning import do_carry_forward_safety_plan
from xinyuan.hotline.models import SafetyPlan
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact

NUMBER = "13911112222"
PROFILE = {
    "caller_gender": "female",
    "caller_age_group": "25_34",
    "caller_education": "college",
    "caller_work_status": "employed",
    "caller_marital_status": "single",
    "caller_prior_treatment": "counselling",
}


def set_profile(counsellor, contact, **values):
    return actions.do_update_contact(
        actor=counsellor, contact=contact, version=contact.version, changes=values
    )


def harassment_contact(counsellor, *, started_at, number=NUMBER):
    contact = start_contact(counsellor, caller_number=number, started_at=started_at)
    return actions.do_end_harassment_contact(
        actor=counsellor, contact=contact, version=contact.version
    )


class ProfilePrefillRuleTests(TestCase):
    DEFAULTS = {name: "unknown" for name in rules.CALLER_PROFILE_FIELDS} | {"about": "self"}

    def test_each_field_still_at_its_default_takes_the_known_previous_value(self):
        cases = [
            # (previous, current, expected)
            ({"caller_gender": "female"}, {}, {"caller_gender": "female"}),
            ({"caller_gender": "unknown"}, {}, {}),  # nothing known: nothing copied
            ({"caller_gender": "female"}, {"caller_gender": "male"}, {}),  # set here: kept
            ({"about": "other"}, {}, {"about": "other"}),
            ({"about": "other"}, {"about": "information"}, {}),
        ]
        for previous, current, expected in cases:
            with self.subTest(previous=previous, current=current):
                got = rules.profile_prefill(
                    previous=self.DEFAULTS | previous,
                    current=self.DEFAULTS | current,
                    defaults=self.DEFAULTS,
                )
                self.assertEqual(got, expected)

    def test_harassment_warning_from_two_flags(self):
        self.assertEqual(
            [rules.harassment_warning(n) for n in (0, 1, 2, 3)], [False, False, True, True]
        )


class ProfilePrefillTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = make_personas()

    def test_a_known_callers_new_contact_starts_from_the_last_profile_audited_in_the_create(self):
        first = start_contact(self.p.counsellor, caller_number=NUMBER)
        set_profile(self.p.counsellor, first, **PROFILE | {"caller_age_group": "unknown"})
        again = start_contact(self.p.counsellor_b, caller_number=NUMBER)
        again.refresh_from_db()
        self.assertEqual(again.caller_gender, "female")
        self.assertEqual(again.caller_prior_treatment, "counselling")
        self.assertEqual(again.caller_age_group, "unknown", "nothing known: stays not stated")
        self.assertEqual(again.version, 1, "part of the create, not a later edit")
        created = AuditEvent.objects.get(target_id=again.public_id, action="create")
        self.assertEqual(created.changes["from_contact"], first.number)
        self.assertEqual(created.changes["caller_gender"], "female")
        self.assertNotIn("caller_age_group", created.changes)
        self.assertNotIn(NUMBER, str(created.changes), "never the number")

    def test_a_first_time_or_anonymous_caller_starts_blank(self):
        first = start_contact(self.p.counsellor, caller_number=NUMBER)
        anonymous = start_contact(self.p.counsellor)
        for contact in (first, anonymous):
            contact.refresh_from_db()
            self.assertEqual(contact.caller_gender, "unknown")
            created = AuditEvent.objects.get(target_id=contact.public_id, action="create")
            self.assertNotIn("from_contact", created.changes)

    def test_the_page_says_the_profile_was_pre_filled(self):
        first = start_contact(self.p.counsellor, caller_number=NUMBER)
        set_profile(self.p.counsellor, first, caller_gender="female", caller_age_group="25_34")
        again = start_contact(self.p.counsellor, caller_number=NUMBER)
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[again.public_id])
        )
        note = self.fragment(page, "returning-prefilled")
        self.assertIn("已按上次来电", note)
        self.assertIn("女", note)
        self.assertIn("25-34岁", note)

    @staticmethod
    def fragment(response, testid: str) -> str:
        html = response.content.decode()
        start = html.index(f'data-testid="{testid}"')
        return html[start : html.index("</div>", start)]


class ReturningSummaryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        cls.now = timezone.now()
        cls.first = high_risk_contact(
            p.counsellor, caller_number=NUMBER, started_at=cls.now - timedelta(days=3)
        )
        cls.plan = actions.do_save_safety_plan(
            actor=p.counsellor, contact=cls.first, data=FULL_PLAN
        )
        cls.follow_up = actions.do_book_follow_up(
            actor=p.counsellor, contact=cls.first, consent_given=True
        )
        cls.second = start_contact(
            p.counsellor_b, caller_number=NUMBER, started_at=cls.now - timedelta(days=1)
        )
        cls.contact = start_contact(p.counsellor, caller_number=NUMBER)

    def test_the_summary_holds_last_level_date_alias_plan_and_follow_ups(self):
        summary = selectors.returning_caller(self.p.counsellor, self.contact)
        assert summary is not None
        self.assertEqual(summary.previous.pk, self.second.pk)
        self.assertEqual(summary.last_risk.pk, self.first.pk, "the last contact with a level")
        self.assertEqual(summary.last_risk.risk_level, "imminent")
        self.assertEqual(summary.last_risk.counsellor.work_name, "07号")
        self.assertEqual(summary.last_plan.pk, self.plan.pk)
        self.assertEqual([f.pk for f in summary.follow_ups], [self.follow_up.pk])
        self.assertEqual(summary.harassment_count, 0)

    def test_a_first_contact_has_no_summary(self):
        first = start_contact(self.p.counsellor, caller_number="13900000000")
        self.assertIsNone(selectors.returning_caller(self.p.counsellor, first))

    def test_nobody_outside_the_centre_gets_a_summary_even_in_an_emergency_access(self):
        grantee = make_user("grantee", self.p.other_org, Role.SUPERVISOR)
        do_open_break_glass(
            actor=grantee, contacts=[self.contact], reason="来电者有极高风险，需了解既往情况"
        )
        for user in (self.p.outsider, self.p.outsider_supervisor, grantee, self.p.auditor):
            with self.subTest(user=user.username):
                self.assertIsNone(selectors.returning_caller(user, self.contact))
        page = client_for(grantee).get(
            reverse("hotline:contact-detail", args=[self.contact.public_id])
        )
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'data-testid="returning-caller"')

    def test_the_page_shows_the_summary_in_chinese_without_the_number(self):
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[self.contact.public_id])
        )
        self.assertContains(page, 'data-testid="returning-caller"')
        self.assertContains(page, "上次风险等级")
        self.assertContains(page, "（3 天前）")
        self.assertContains(page, "07号 判定")
        self.assertContains(page, 'data-testid="carry-plan"')
        self.assertContains(page, 'data-testid="take-follow-up"')
        self.assertNotContains(page, NUMBER)

    def test_the_page_query_count_does_not_grow_with_the_callers_history(self):
        """The summary reads six statements whatever the history holds (no query per row)."""
        url = reverse("hotline:contact-detail", args=[self.contact.public_id])
        client = client_for(self.p.counsellor)
        client.get(url)  # warm the session and the compiled lookups
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for days in (10, 9, 8):
            older = high_risk_contact(
                self.p.counsellor,
                caller_number=NUMBER,
                started_at=self.now - timedelta(days=days),
            )
            actions.do_save_safety_plan(actor=self.p.counsellor, contact=older, data=FULL_PLAN)
            actions.do_book_follow_up(actor=self.p.counsellor, contact=older, consent_given=True)
            do_set_caller_note(
                actor=self.p.supervisor,
                person=self.contact.person,
                text=f"第{days}条提示",
                expires_at=self.now + timedelta(days=days),
            )
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        # No more statements with a longer history (one fewer once the caller counts as
        # repeated: that alone asks for an assessment, without looking at earlier levels).
        self.assertLessEqual(len(after), len(before), "no more statements with a longer history")
        with self.assertNumQueries(6):
            selectors.returning_caller(self.p.counsellor, self.contact)
        self.assertEqual(len(before), PAGE_QUERIES, [q["sql"] for q in before.captured_queries])


# The contact page of a returning caller, all of it (21 before the summary: +6; +1 while this
# contact has no assessment: was the caller judged at high risk before? closing needs one then).
PAGE_QUERIES = 28


class HarassmentWarningTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.p = make_personas()

    def test_two_flags_within_30_days_counted_at_the_boundary(self):
        now = timezone.now()
        window = timedelta(days=30)
        harassment_contact(self.p.counsellor, started_at=now - window - timedelta(minutes=1))
        harassment_contact(self.p.counsellor, started_at=now - window)
        contact = start_contact(self.p.counsellor, caller_number=NUMBER)
        summary = selectors.returning_caller(self.p.counsellor, contact, now=now)
        assert summary is not None
        self.assertEqual(summary.harassment_count, 1, "30 days and a minute ago is outside")
        self.assertFalse(summary.harassment_warning)
        harassment_contact(self.p.counsellor, started_at=now - timedelta(days=2))
        summary = selectors.returning_caller(self.p.counsellor, contact, now=now)
        assert summary is not None
        self.assertEqual(summary.harassment_count, 2)
        self.assertTrue(summary.harassment_warning)

    def test_the_banner_names_the_count_and_the_protocol(self):
        now = timezone.now()
        for days in (5, 12):
            harassment_contact(self.p.counsellor, started_at=now - timedelta(days=days))
        contact = start_contact(self.p.counsellor, caller_number=NUMBER)
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[contact.public_id])
        )
        self.assertContains(page, 'data-testid="harassment-warning"')
        self.assertContains(page, "此来电者 30 天内 2 次被标记为骚扰。")
        self.assertContains(page, "说明热线服务范围")

    def test_one_flag_shows_no_banner(self):
        harassment_contact(self.p.counsellor, started_at=timezone.now() - timedelta(days=1))
        contact = start_contact(self.p.counsellor, caller_number=NUMBER)
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[contact.public_id])
        )
        self.assertContains(page, 'data-testid="returning-caller"')
        self.assertNotContains(page, 'data-testid="harassment-warning"')


class CarryForwardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        first = high_risk_contact(p.counsellor, caller_number=NUMBER)
        cls.plan = actions.do_save_safety_plan(
            actor=p.counsellor, contact=first, data=FULL_PLAN | {"handover_note": "交班给督导"}
        )

    def setUp(self):
        self.contact = start_contact(self.p.counsellor, caller_number=NUMBER)

    def test_carried_into_empty_fields_through_the_plans_write_path_and_audited(self):
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=self.contact, data={"warning_signs": "这次：不吃饭"}
        )
        result = do_carry_forward_safety_plan(
            actor=self.p.counsellor, contact=self.contact, source=self.plan
        )
        plan = SafetyPlan.objects.get(contact=self.contact)
        self.assertEqual(plan.warning_signs, "这次：不吃饭", "what was written here is kept")
        self.assertEqual(plan.people_to_call, FULL_PLAN["people_to_call"])
        self.assertEqual(plan.handover_note, "", "the handover note belongs to its own call")
        self.assertEqual(result.kept, ("warning_signs",))
        self.assertEqual(set(result.carried), {"people_to_call", "medical_institutions"})
        self.assertEqual(plan.version, 3)
        self.assertEqual(plan.field_versions["people_to_call"], 3)
        events = AuditEvent.objects.filter(target_id=plan.public_id).order_by("id")
        self.assertEqual(
            [e.action for e in events], ["create", "update", "update", "carry_forward"]
        )

    def test_a_page_opened_before_the_carry_cannot_overwrite_a_carried_field(self):
        do_carry_forward_safety_plan(
            actor=self.p.counsellor, contact=self.contact, source=self.plan
        )
        with self.assertRaises(ConflictError):
            actions.do_save_safety_plan(
                actor=self.p.counsellor,
                contact=self.contact,
                data={"people_to_call": "旧页面"},
                version=0,
            )

    def test_refused_when_every_part_is_already_written_here(self):
        actions.do_save_safety_plan(actor=self.p.counsellor, contact=self.contact, data=FULL_PLAN)
        with self.assertRaises(ValidationError):
            do_carry_forward_safety_plan(
                actor=self.p.counsellor, contact=self.contact, source=self.plan
            )
        page = client_for(self.p.counsellor).post(
            reverse("hotline:contact-plan-carry", args=[self.contact.public_id]), follow=True
        )
        self.assertContains(page, "没有可沿用的内容")

    def test_refused_for_someone_elses_plan_or_a_colleagues_contact(self):
        stranger = high_risk_contact(self.p.counsellor, caller_number="13900000000")
        other_plan = actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=stranger, data=FULL_PLAN
        )
        with self.assertRaises(PermissionDeniedError):
            do_carry_forward_safety_plan(
                actor=self.p.counsellor, contact=self.contact, source=other_plan
            )
        with self.assertRaises(PermissionDeniedError):
            do_carry_forward_safety_plan(
                actor=self.p.counsellor_b, contact=self.contact, source=self.plan
            )
        answer = client_for(self.p.counsellor_b).post(
            reverse("hotline:contact-plan-carry", args=[self.contact.public_id])
        )
        self.assertEqual(answer.status_code, 404)

    def test_one_click_from_the_page_then_edited_in_the_crisis_card(self):
        response = client_for(self.p.counsellor).post(
            reverse("hotline:contact-plan-carry", args=[self.contact.public_id]), follow=True
        )
        self.assertContains(response, "已沿用上次来电的安全计划")
        self.assertContains(response, 'data-testid="safety-plan-form"')
        self.assertContains(response, FULL_PLAN["medical_institutions"])


class FollowUpInThisCallTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        first = high_risk_contact(p.counsellor, caller_number=NUMBER)
        cls.follow_up = actions.do_book_follow_up(
            actor=p.counsellor, contact=first, consent_given=True
        )

    def setUp(self):
        # The person rings in; a colleague (not assigned to the follow-up) takes the call.
        self.contact = start_contact(self.p.counsellor_b, caller_number=NUMBER)
        self.url = reverse(
            "hotline:contact-follow-up-take",
            args=[self.contact.public_id, self.follow_up.public_id],
        )

    def test_the_counsellor_on_the_call_records_it_as_the_follow_up_and_returns_to_the_call(self):
        client = client_for(self.p.counsellor_b)
        page = client.get(self.url)
        self.assertContains(page, 'data-testid="follow-up-in-contact"')
        response = client.post(
            self.url,
            {
                "status": "done",
                "emotional_change": "better",
                "pain_level": 3,
                "hope_level": 7,
                "safety_status": "safe",
                "risk-hopelessness": 2,
                "risk-ideation_intensity": 0,
                "risk-plan_timing": "none",
                "risk-method_lethality": "none",
                "risk-last_attempt": "never",
                "risk-final_level": "low",
                "risk-override_reason": "来电者主动来电，已与家人同住，情绪平稳",
            },
        )
        self.assertRedirects(
            response,
            reverse("hotline:contact-detail", args=[self.contact.public_id]),
            fetch_redirect_response=False,
        )
        done = FollowUp.objects.get(pk=self.follow_up.pk)
        self.assertEqual(done.status, FollowUpStatus.DONE)
        self.assertEqual(done.answered_in_id, self.contact.pk)
        self.assertEqual(done.done_by, self.p.counsellor_b)
        event = AuditEvent.objects.filter(target_id=done.public_id, action="update").get()
        self.assertEqual(event.changes["answered_in"], [None, self.contact.number])

    def test_refused_without_the_follow_ups_own_record(self):
        page = client_for(self.p.counsellor_b).post(self.url, {"status": "done"})
        self.assertEqual(page.status_code, 422)
        self.assertEqual(FollowUp.objects.get(pk=self.follow_up.pk).status, "scheduled")

    def test_only_that_persons_follow_ups_and_only_from_the_call(self):
        other = start_contact(self.p.counsellor_b, caller_number="13900000000")
        wrong = reverse(
            "hotline:contact-follow-up-take", args=[other.public_id, self.follow_up.public_id]
        )
        self.assertEqual(client_for(self.p.counsellor_b).get(wrong).status_code, 404)
        self.assertEqual(client_for(self.p.counsellor).get(self.url).status_code, 404)


class CallerNoteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        cls.first = start_contact(p.counsellor, caller_number=NUMBER)
        cls.person = cls.first.person
        cls.url = reverse("hotline:contact-caller-note-add", args=[cls.first.public_id])

    def set_note(self, *, days=7, text="问候后礼貌结束通话", actor=None):
        return do_set_caller_note(
            actor=actor or self.p.supervisor,
            person=self.person,
            text=text,
            expires_at=timezone.now() + timedelta(days=days),
        )

    def test_a_supervisors_note_is_shown_on_the_callers_next_contact(self):
        response = client_for(self.p.supervisor).post(
            self.url,
            {
                "text": "问候后礼貌结束通话",
                "expires_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        self.assertEqual(response.status_code, 302)
        note = CallerNote.objects.get()
        self.assertEqual(note.set_by, self.p.supervisor)
        self.assertTrue(AuditEvent.objects.filter(target_id=note.public_id, action="create"))
        again = start_contact(self.p.counsellor_b, caller_number=NUMBER)
        page = client_for(self.p.counsellor_b).get(
            reverse("hotline:contact-detail", args=[again.public_id])
        )
        self.assertContains(page, "问候后礼貌结束通话")
        self.assertContains(page, "督导的来电者提示")
        self.assertNotContains(page, 'data-testid="caller-note-remove"', msg_prefix="counsellor")

    def test_expired_or_removed_notes_are_not_shown(self):
        expired = self.set_note(days=1)
        CallerNote.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        removed = self.set_note(text="本周只接一次")
        do_remove_caller_note(actor=self.p.director, note=removed)
        self.assertEqual(active_caller_notes(self.p.counsellor, self.person.pk), [])
        event = AuditEvent.objects.get(target_id=removed.public_id, action="remove")
        self.assertEqual(event.actor, self.p.director)

    def test_nobody_outside_the_centre_sees_a_note(self):
        self.set_note()
        for user in (self.p.outsider, self.p.outsider_supervisor, self.p.auditor, self.p.admin):
            with self.subTest(user=user.username):
                self.assertFalse(caller_notes_visible_to(user).exists())
                self.assertEqual(active_caller_notes(user, self.person.pk), [])
        self.assertEqual(len(active_caller_notes(self.p.counsellor, self.person.pk)), 1)

    def test_only_supervisors_and_directors_set_one(self):
        with self.assertRaises(PermissionDeniedError):
            self.set_note(actor=self.p.counsellor)
        with self.assertRaises(PermissionDeniedError):
            self.set_note(actor=self.p.outsider_supervisor)
        self.set_note(actor=self.p.director)

    def test_bad_input_is_refused_in_chinese_and_keeps_what_was_typed(self):
        cases = [
            ({"text": "问候后礼貌结束通话", "expires_at": ""}, "这个字段是必填项。"),
            ({"text": "问候后礼貌结束通话", "expires_at": "2020-01-01T08:00"}, "必须是将来的时间"),
            ({"text": "问候后礼貌结束通话", "expires_at": "later"}, "输入一个有效的日期/时间。"),
            ({"text": "回拨 138 0013 8000", "expires_at": "+3"}, "不得写入电话号码"),
            ({"text": "问候后礼貌结束通话", "expires_at": "+91"}, "最长 90 天"),
        ]
        client = client_for(self.p.supervisor)
        for data, message in cases:
            with self.subTest(data=data):
                if data["expires_at"].startswith("+"):
                    days = int(data["expires_at"][1:])
                    data = data | {
                        "expires_at": (timezone.localtime() + timedelta(days=days)).strftime(
                            "%Y-%m-%dT%H:%M"
                        )
                    }
                page = client.post(self.url, data)
                self.assertEqual(page.status_code, 422)
                self.assertContains(page, message, status_code=422)
                self.assertContains(page, f'value="{data["text"]}"', status_code=422)
        self.assertFalse(CallerNote.objects.exists())

    def test_the_list_shows_notes_in_force_and_ended_and_a_note_is_removed_early(self):
        active = self.set_note()
        ended = self.set_note(text="本周只接一次")
        do_remove_caller_note(actor=self.p.supervisor, note=ended)
        client = client_for(self.p.director)
        page = client.get(reverse("hotline:caller-note-list"))
        self.assertContains(page, "问候后礼貌结束通话")
        self.assertContains(page, "本周只接一次")
        self.assertContains(page, "提前移除")
        response = client.post(reverse("hotline:caller-note-remove", args=[active.public_id]))
        self.assertEqual(response.status_code, 302)
        self.assertIsNotNone(CallerNote.objects.get(pk=active.pk).removed_at)
        self.assertEqual(
            client_for(self.p.counsellor).get(page.request["PATH_INFO"]).status_code, 403
        )

    def test_the_note_never_reaches_an_anonymised_person(self):
        self.set_note()
        from xinyuan.hotline.actions.retention import do_anonymise_person_on_request

        actions.do_close_contact(
            actor=self.p.counsellor,
            contact=self.first,
            version=self.first.version,
            outcome="resolved",
        )
        do_anonymise_person_on_request(
            actor=self.p.director, person=self.person, reference="批准-1"
        )
        self.assertEqual(CallerNote.objects.get().text, "")
