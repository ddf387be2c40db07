"""The intervention plan (CM-03) with its sessions, care teams (CM-08) that files are assigned
to, and the file page's per-item forms (a referral's status, a report's acknowledgement, a
need's status) that keep what was typed when refused."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase
from django.urls import reverse
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.cases import selectors, timeline
from xinyuan.cases.actions import files as file_actions
from xinyuan.cases.actions import plans as plan_actions
from xinyuan.cases.actions import teams as team_actions
from xinyuan.cases.models import (
    FollowUp,
    InterventionPlan,
    PlanSession,
    PlanStatus,
)
from xinyuan.cases.tests.test_person_file import institution, start
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, ProductionTransactionTestCase, client_for
from xinyuan.hotline.actions.person_files import do_open_file_from_contact

# Measured: the file page 32 statements (session, user, audit, alerts, the file, its timeline
# sources, plans, teams, consents, duplicates by phone and name), the overdue list 9. More
# means a query per record crept in.
FILE_PAGE_STATEMENTS = 32
OVERDUE_LIST_STATEMENTS = 9
GOALS = "一、稳定情绪，建立安全计划；二、恢复睡眠；三、修复与母亲的关系"


def session_data(**overrides) -> dict:
    return {
        "held_at": timezone.now() - timedelta(hours=1),
        "approach": "individual",
        "minutes": 50,
        "summary": "呼吸放松训练，讨论安全计划",
        "progress": "better",
        **overrides,
    }


class PlanActionTests(PersonaMixin, TestCase):
    def setUp(self):
        self.person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )

    def test_a_plan_with_sessions_then_completed(self):
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor,
            person=self.person,
            data={"approaches": ["individual", "family"], "goals": GOALS, "planned_sessions": 6},
        )
        self.assertEqual(plan.approaches, ["individual", "family"])
        for approach in ("individual", "family"):
            plan_actions.do_record_session(
                actor=self.p.counsellor,
                plan=plan,
                data=session_data(approach=approach, participants="母亲" if approach else ""),
            )
        self.assertEqual(PlanSession.objects.filter(plan=plan).count(), 2)
        plan = plan_actions.do_update_plan(
            actor=self.p.counsellor,
            plan=plan,
            data={"approaches": ["individual"], "goals": GOALS, "planned_sessions": 8},
            version=plan.version,
        )
        self.assertEqual((plan.planned_sessions, plan.version), (8, 2))
        ended = plan_actions.do_end_plan(
            actor=self.p.counsellor,
            plan=plan,
            status=PlanStatus.COMPLETED,
            outcome="情绪稳定，已恢复工作",
            version=plan.version,
        )
        self.assertEqual(ended.status, PlanStatus.COMPLETED)
        self.assertIsNotNone(ended.ended_at)
        # Ended: no more sessions; a new plan may start.
        with self.assertRaises(ValidationError):
            plan_actions.do_record_session(actor=self.p.counsellor, plan=plan, data=session_data())
        plan_actions.do_create_plan(
            actor=self.p.counsellor,
            person=self.person,
            data={"approaches": ["education"], "goals": "心理健康教育"},
        )
        # Audited, and the goals' words stay out of the audit trail.
        events = AuditEvent.objects.filter(target_type="cases.interventionplan")
        self.assertEqual(events.count(), 4)
        self.assertFalse(any("稳定情绪" in str(e.changes) for e in events))
        self.assertEqual(
            AuditEvent.objects.filter(target_type="cases.plansession", action="create").count(), 2
        )

    def test_refusals_name_each_field(self):
        with self.assertRaises(ValidationError) as caught:
            plan_actions.do_create_plan(
                actor=self.p.counsellor,
                person=self.person,
                data={
                    "approaches": [],
                    "goals": " ",
                    "planned_sessions": 0,
                    "review_on": timezone.localdate() - timedelta(days=1),
                },
            )
        self.assertEqual(
            set(caught.exception.message_dict),
            {"approaches", "goals", "planned_sessions", "review_on"},
        )
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor,
            person=self.person,
            data={"approaches": ["group"], "goals": "x"},
        )
        with self.assertRaises(ValidationError):  # one active plan per file
            plan_actions.do_create_plan(
                actor=self.p.counsellor,
                person=self.person,
                data={"approaches": ["group"], "goals": "y"},
            )
        now = timezone.now()
        for field, bad in (
            ("held_at", now + timedelta(hours=2)),  # not ahead of time
            ("held_at", now - timedelta(days=91)),
            ("minutes", 0),
            ("minutes", 601),
            ("approach", "hypnosis"),
            ("summary", ""),
            ("progress", "cured"),
        ):
            with self.subTest(field=field, bad=bad), self.assertRaises(ValidationError) as caught:
                plan_actions.do_record_session(
                    actor=self.p.counsellor, plan=plan, data=session_data(**{field: bad})
                )
            self.assertIn(field, caught.exception.message_dict)
        with self.assertRaises(ConflictError):
            plan_actions.do_update_plan(
                actor=self.p.counsellor,
                plan=plan,
                data={"approaches": ["group"], "goals": "z"},
                version=plan.version + 1,
            )
        with self.assertRaises(ValidationError) as caught:
            plan_actions.do_end_plan(
                actor=self.p.counsellor, plan=plan, status="active", outcome="", version=1
            )
        self.assertEqual(set(caught.exception.message_dict), {"status", "outcome"})

    def test_only_those_who_write_in_the_file(self):
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor,
            person=self.person,
            data={"approaches": ["group"], "goals": "x"},
        )
        for actor in (self.p.counsellor_b, self.p.director, self.p.outsider, self.p.auditor):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDeniedError):
                plan_actions.do_record_session(actor=actor, plan=plan, data=session_data())

    def test_sessions_and_plans_on_the_timeline_and_moved_by_a_merge(self):
        from xinyuan.cases.actions.merge import do_merge_persons

        other = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800002222")
        )
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor, person=other, data={"approaches": ["family"], "goals": GOALS}
        )
        plan_actions.do_record_session(
            actor=self.p.counsellor, plan=plan, data=session_data(approach="family")
        )
        items, _ = timeline.timeline(self.p.counsellor, other, only=["plan", "session"])
        self.assertEqual([i.kind for i in items], ["plan", "session"])  # set up, then held
        do_merge_persons(actor=self.p.supervisor, source=other, target=self.person, reason="同一人")
        items, _ = timeline.timeline(self.p.supervisor, self.person, only=["plan", "session"])
        self.assertEqual(len(items), 2)
        self.assertEqual(InterventionPlan.objects.get().person_id, self.person.pk)


class PlanPageTests(PersonaMixin, TestCase):
    def setUp(self):
        self.person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )
        self.url = reverse("cases:file-detail", args=[self.person.public_id])
        self.client = client_for(self.p.counsellor)

    def test_set_up_record_and_end_through_the_page_in_chinese(self):
        new = reverse("cases:plan-new", args=[self.person.public_id])
        # Bad input: 422, the goals kept, the reason in Chinese.
        response = self.client.post(new, {"goals": GOALS}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(response, GOALS, status_code=422)
        self.assertContains(response, "至少选择一种干预方式", status_code=422)
        response = self.client.post(
            new, {"approaches": ["individual", "family"], "goals": GOALS, "planned_sessions": "6"}
        )
        self.assertRedirects(response, self.url + "#plan", fetch_redirect_response=False)
        plan = InterventionPlan.objects.get()
        session_url = reverse("cases:plan-session", args=[plan.public_id])
        held = timezone.localtime() - timedelta(hours=1)
        typed = {
            "held_at": (held + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "approach": "family",
            "minutes": "60",
            "participants": "母亲、姐姐",
            "summary": "家庭会谈：讨论如何陪伴",
        }
        response = self.client.post(session_url, typed, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(response, "家庭会谈：讨论如何陪伴", status_code=422)
        self.assertContains(response, "会谈结束后再记录", status_code=422)
        typed["held_at"] = held.strftime("%Y-%m-%dT%H:%M")
        self.assertEqual(self.client.post(session_url, typed).status_code, 302)
        page = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(page, "干预计划")
        self.assertContains(page, "已进行会谈：1 / 6 次")
        self.assertContains(page, "母亲、姐姐")
        # A stale end: 409 with the outcome kept.
        end_url = reverse("cases:plan-end", args=[plan.public_id])
        response = self.client.post(
            end_url, {"version": plan.version + 1, "status": "completed", "outcome": "目标达成"}
        )
        self.assertContains(response, "目标达成", status_code=409)
        response = self.client.post(
            end_url, {"version": plan.version, "status": "completed", "outcome": "目标达成"}
        )
        self.assertEqual(response.status_code, 302)
        page = self.client.get(self.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(page, "暂无进行中的干预计划")
        self.assertContains(page, 'data-testid="ended-plan"')

    def test_the_api_gives_the_active_plan_and_team(self):
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor,
            person=self.person,
            data={"approaches": ["group"], "goals": "团体辅导", "planned_sessions": 4},
        )
        team = team_actions.do_save_team(
            actor=self.p.supervisor, data={"name": "危机干预组", "members": [self.p.counsellor]}
        )
        file_actions.do_assign_file(
            actor=self.p.supervisor,
            person=self.person,
            worker=self.p.counsellor,
            team=team,
            version=self.person.file_version,
        )
        body = self.client.get(f"/api/v1/persons/{self.person.public_id}").json()
        self.assertEqual(body["team"], "危机干预组")
        self.assertEqual(body["active_plan"]["public_id"], str(plan.public_id))
        self.assertEqual(body["active_plan"]["sessions_held"], 0)


class TeamTests(PersonaMixin, TestCase):
    def setUp(self):
        self.person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )

    def team(self, name="心理救援队", members=None, **extra):
        return team_actions.do_save_team(
            actor=self.p.supervisor,
            data={"name": name, "members": members or [self.p.counsellor_b], **extra},
        )

    def test_a_team_member_sees_and_writes_in_the_teams_files(self):
        url = reverse("cases:file-detail", args=[self.person.public_id])
        self.assertEqual(client_for(self.p.counsellor_b).get(url).status_code, 404)
        team = self.team(leader=self.p.counsellor_b)
        file_actions.do_assign_file(
            actor=self.p.supervisor,
            person=self.person,
            worker=self.p.counsellor,
            team=team,
            version=self.person.file_version,
        )
        self.assertEqual(client_for(self.p.counsellor_b).get(url).status_code, 200)
        self.assertIn(self.person, selectors.files_visible_to(self.p.counsellor_b))
        file_actions.do_add_file_note(
            actor=self.p.counsellor_b, person=self.person, text="团队会商"
        )
        # Made inactive: the members no longer see the team's files through it.
        team_actions.do_save_team(
            actor=self.p.supervisor,
            team=team,
            data={"name": team.name, "members": [self.p.counsellor_b], "is_active": False},
            version=team.version,
        )
        self.assertEqual(client_for(self.p.counsellor_b).get(url).status_code, 404)
        self.assertNotIn(self.person, selectors.files_visible_to(self.p.counsellor_b))
        # The outsider never: a team is the centre's.
        self.assertEqual(client_for(self.p.outsider).get(url).status_code, 404)

    def test_refusals(self):
        with self.assertRaises(ValidationError) as caught:
            team_actions.do_save_team(
                actor=self.p.supervisor, data={"name": "", "members": [self.p.outsider]}
            )
        self.assertEqual(set(caught.exception.message_dict), {"name", "members"})
        with self.assertRaises(PermissionDeniedError):
            team_actions.do_save_team(actor=self.p.counsellor, data={"name": "自建组"})
        team = self.team()
        with self.assertRaises(ValidationError) as caught:
            self.team()  # the same name twice
        self.assertIn("name", caught.exception.message_dict)
        with self.assertRaises(ConflictError):
            team_actions.do_save_team(
                actor=self.p.supervisor,
                team=team,
                data={"name": "改名"},
                version=team.version + 1,
            )
        # Another centre's team cannot be given a file.
        foreign = team_actions.do_save_team(actor=self.p.outsider_supervisor, data={"name": "外组"})
        with self.assertRaises(ValidationError):
            file_actions.do_assign_file(
                actor=self.p.supervisor,
                person=self.person,
                worker=None,
                team=foreign,
                version=self.person.file_version,
            )

    def test_team_pages_caseload_and_filters(self):
        contact = self.person.contacts.get()
        team = self.team(members=[self.p.counsellor, self.p.counsellor_b])
        file_actions.do_assign_file(
            actor=self.p.supervisor,
            person=self.person,
            worker=self.p.counsellor,
            team=team,
            version=self.person.file_version,
        )
        FollowUp.objects.create(
            organisation=self.p.org,
            person=self.person,
            contact=contact,
            assigned_to=self.p.counsellor,
            booked_by=self.p.counsellor,
            consent_given=True,
            due_at=timezone.now() - timedelta(hours=3),
        )
        supervisor = client_for(self.p.supervisor)
        page = supervisor.get(reverse("cases:team-list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(page, "心理救援队")
        row = selectors.team_caseload(self.p.supervisor)[0]
        self.assertEqual((row["files"], row["members"], row["overdue_follow_ups"]), (1, 2, 1))
        files = supervisor.get(reverse("cases:file-list") + f"?team={team.public_id}")
        self.assertContains(files, self.person.label)
        due = supervisor.get(reverse("cases:follow-up-list") + f"?team={team.public_id}")
        self.assertContains(due, self.person.label)
        # A new team through the page: bad input kept (422), then saved.
        response = supervisor.post(
            reverse("cases:team-list"),
            {"name": "", "purpose": "学校心理危机干预"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertContains(response, "学校心理危机干预", status_code=422)
        response = supervisor.post(
            reverse("cases:team-list"),
            {"name": "学校组", "members": [str(self.p.counsellor.public_id)], "is_active": "on"},
        )
        self.assertEqual(response.status_code, 302)
        edit = supervisor.get(reverse("cases:team-edit", args=[team.public_id]))
        self.assertContains(edit, "心理救援队")


class ItemFormsKeepTypingTests(PersonaMixin, TestCase):
    """A refused referral status, acknowledgement, closing or need status shows the file again
    with what was typed and the reason, on its item (not a redirect that loses it)."""

    def setUp(self):
        self.person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )
        self.client = client_for(self.p.counsellor)

    def test_referral_status_refused_keeps_the_outcome(self):
        referral = file_actions.do_create_referral(
            actor=self.p.counsellor,
            person=self.person,
            institution=institution(self.p.org),
            data={"reason": "评估", "urgency": "soon", "consent_basis": "consented"},
        )
        url = reverse("cases:referral-status", args=[referral.public_id])
        # Rejected without a reason: refused, the outcome typed is kept.
        response = self.client.post(
            url,
            {"version": referral.version, "status": "rejected", "outcome": "对方床位已满"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertContains(response, "对方床位已满", status_code=422)
        # A stale version: 409, kept.
        response = self.client.post(
            url, {"version": referral.version + 1, "status": "accepted", "outcome": "已接收"}
        )
        self.assertContains(response, "已接收", status_code=409)

    def test_report_acknowledgement_and_need_status(self):
        report = file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=self.person,
            data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
        )
        response = self.client.post(
            reverse("cases:report-ack", args=[report.public_id]),
            {"by_name": "张" * 201},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertContains(response, "张" * 201, status_code=422)
        need = file_actions.do_add_need(
            actor=self.p.counsellor,
            person=self.person,
            data={"kind": "financial", "description": "失业"},
        )
        url = reverse("cases:need-status", args=[need.public_id])
        self.assertEqual(
            self.client.post(url, {"version": need.version, "status": "met"}).status_code, 302
        )
        # The second tab still shows version 1: refused, nothing changed.
        response = self.client.post(url, {"version": need.version, "status": "open"})
        self.assertEqual(response.status_code, 409)
        need.refresh_from_db()
        self.assertEqual(need.status, "met")


class PlanTransactionTests(ProductionTransactionTestCase):
    def test_a_session_and_its_audit_event_commit_together(self):
        from xinyuan.core.testing import make_personas

        p = make_personas()
        person = do_open_file_from_contact(actor=p.counsellor, contact=start(p.counsellor))
        plan = plan_actions.do_create_plan(
            actor=p.counsellor, person=person, data={"approaches": ["individual"], "goals": "x"}
        )
        session = plan_actions.do_record_session(actor=p.counsellor, plan=plan, data=session_data())
        self.assertTrue(
            AuditEvent.objects.filter(action="create", target_id=session.public_id).exists()
        )
        with self.assertRaises(ValidationError):
            plan_actions.do_record_session(
                actor=p.counsellor, plan=plan, data=session_data(minutes=0)
            )
        self.assertEqual(PlanSession.objects.count(), 1)


class QueryCountTests(PersonaMixin, TestCase):
    """The file page and the overdue list cost a fixed number of statements, however many
    referrals, needs, sessions, follow-ups or timeline items there are (benchmarked at 1M
    persons in ``bench/person_bench.py``)."""

    def fill(self, person, n: int):
        team = team_actions.do_save_team(
            actor=self.p.supervisor, data={"name": f"组{n}", "members": [self.p.counsellor]}
        )
        file_actions.do_assign_file(
            actor=self.p.supervisor,
            person=person,
            worker=self.p.counsellor,
            team=team,
            version=person.file_version,
        )
        plan = plan_actions.do_create_plan(
            actor=self.p.counsellor, person=person, data={"approaches": ["group"], "goals": "x"}
        )
        home = institution(self.p.org, name=f"医院{n}")
        for i in range(n):
            plan_actions.do_record_session(actor=self.p.counsellor, plan=plan, data=session_data())
            file_actions.do_create_referral(
                actor=self.p.counsellor,
                person=person,
                institution=home,
                data={"reason": f"评估{i}", "urgency": "soon", "consent_basis": "consented"},
            )
            file_actions.do_add_need(
                actor=self.p.counsellor,
                person=person,
                data={"kind": "financial", "description": f"困难{i}"},
            )
            file_actions.do_file_community_report(
                actor=self.p.counsellor,
                person=person,
                data={"risk": "自杀风险", "street_contact": "街道", "method": "phone"},
            )
            FollowUp.objects.create(
                organisation=self.p.org,
                person=person,
                contact=person.contacts.first(),
                assigned_to=self.p.counsellor,
                booked_by=self.p.counsellor,
                consent_given=True,
                due_at=timezone.now() - timedelta(hours=i + 1),
            )

    def count(self, user, url) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(user)
        client.get(url)  # sessions, caches: warm
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(client.get(url).status_code, 200)
        return len(queries)

    def test_file_page_and_overdue_list_do_not_grow_with_the_records(self):
        small = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800003001")
        )
        large = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800003002")
        )
        self.fill(small, 1)
        self.fill(large, 6)
        for user in (self.p.supervisor, self.p.counsellor):
            with self.subTest(user=user.username):
                few = self.count(user, reverse("cases:file-detail", args=[small.public_id]))
                many = self.count(user, reverse("cases:file-detail", args=[large.public_id]))
                self.assertEqual(few, many)
                self.assertLessEqual(many, FILE_PAGE_STATEMENTS)
        overdue = reverse("cases:follow-up-list") + "?overdue=1"
        self.assertLessEqual(self.count(self.p.supervisor, overdue), OVERDUE_LIST_STATEMENTS)


class ReviewFindingsTests(PersonaMixin, TestCase):
    """Cases a review found: a merge of two active plans, a refused form whose item moved on,
    a session's words for those who do not read clinical notes, an inactive team kept on a
    change of worker, deactivated members."""

    def setUp(self):
        self.a = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800004001")
        )
        self.b = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800004002")
        )

    def plan(self, person):
        return plan_actions.do_create_plan(
            actor=self.p.counsellor, person=person, data={"approaches": ["group"], "goals": "x"}
        )

    def test_two_active_plans_are_never_merged_into_one_file(self):
        from xinyuan.cases.actions.merge import do_merge_persons, do_undo_merge

        self.plan(self.a)
        plan_b = self.plan(self.b)
        with self.assertRaises(ValidationError):
            do_merge_persons(actor=self.p.supervisor, source=self.b, target=self.a, reason="同一人")
        self.assertEqual(InterventionPlan.objects.filter(person=self.a).count(), 1)
        # With one of them ended the merge goes through; a session recorded after the merge
        # stays with its plan when the merge is undone.
        plan_actions.do_end_plan(
            actor=self.p.counsellor, plan=plan_b, status="stopped", outcome="转介", version=1
        )
        merge = do_merge_persons(
            actor=self.p.supervisor, source=self.b, target=self.a, reason="同一人"
        )
        active = InterventionPlan.objects.get(person=self.a, status="active")
        session = plan_actions.do_record_session(
            actor=self.p.counsellor, plan=active, data=session_data()
        )
        do_undo_merge(actor=self.p.supervisor, merge=merge)
        self.assertEqual(session.plan.person_id, self.a.pk)
        self.assertEqual(InterventionPlan.objects.get(pk=plan_b.pk).person_id, self.b.pk)

    def test_a_form_whose_item_moved_on_is_shown_at_the_top_with_the_typing(self):
        report = file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=self.a,
            data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
        )
        file_actions.do_acknowledge_community_report(
            actor=self.p.counsellor, report=report, by_name="张主任"
        )
        response = client_for(self.p.counsellor).post(
            reverse("cases:report-ack", args=[report.public_id]),
            {"by_name": "李副主任"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'data-testid="unplaced-form"', status_code=422)
        self.assertContains(response, "李副主任", status_code=422)
        plan = self.plan(self.a)
        plan_actions.do_end_plan(
            actor=self.p.counsellor, plan=plan, status="completed", outcome="好转", version=1
        )
        response = client_for(self.p.counsellor).post(
            reverse("cases:plan-session", args=[plan.public_id]),
            {
                "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "approach": "group",
                "minutes": "45",
                "summary": "团体辅导第三次",
            },
        )
        self.assertContains(response, "团体辅导第三次", status_code=422)
        self.assertContains(response, 'data-testid="unplaced-form"', status_code=422)

    def test_a_sessions_words_are_for_readers_of_clinical_notes(self):
        plan = self.plan(self.a)
        plan_actions.do_record_session(
            actor=self.p.counsellor, plan=plan, data=session_data(summary="谈及童年创伤")
        )
        url = reverse("cases:file-detail", args=[self.a.public_id])
        self.assertContains(client_for(self.p.supervisor).get(url), "谈及童年创伤")
        page = client_for(self.p.director).get(url)
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "谈及童年创伤")

    def test_an_inactive_team_is_kept_on_a_change_of_worker_and_not_given_new_files(self):
        team = team_actions.do_save_team(
            actor=self.p.supervisor, data={"name": "旧组", "members": [self.p.counsellor_b]}
        )
        file_actions.do_assign_file(
            actor=self.p.supervisor, person=self.a, worker=None, team=team, version=2
        )
        team = team_actions.do_save_team(
            actor=self.p.supervisor,
            team=team,
            data={"name": "旧组", "members": [self.p.counsellor_b], "is_active": False},
            version=team.version,
        )
        self.a.refresh_from_db()
        client = client_for(self.p.supervisor)
        response = client.post(
            reverse("cases:file-assign", args=[self.a.public_id]),
            {
                "version": self.a.file_version,
                "worker": str(self.p.counsellor.public_id),
                "team": str(team.public_id),
            },
        )
        self.assertEqual(response.status_code, 302)
        self.a.refresh_from_db()
        self.assertEqual((self.a.assigned_to_id, self.a.team_id), (self.p.counsellor.pk, team.pk))
        with self.assertRaises(ValidationError):
            file_actions.do_assign_file(
                actor=self.p.supervisor,
                person=self.b,
                worker=None,
                team=team,
                version=self.b.file_version,
            )

    def test_deactivated_members_are_not_counted(self):
        team = team_actions.do_save_team(
            actor=self.p.supervisor,
            data={"name": "值班组", "members": [self.p.counsellor, self.p.counsellor_b]},
        )
        type(self.p.counsellor_b).objects.filter(pk=self.p.counsellor_b.pk).update(is_active=False)
        row = next(r for r in selectors.team_caseload(self.p.supervisor) if r["team"] == team)
        self.assertEqual(row["members"], 1)


class ConsentsOnTheFileTests(PersonaMixin, TestCase):
    def test_the_latest_consent_per_purpose_is_on_the_file(self):
        from xinyuan.cases.models import Consent

        contact = start(self.p.counsellor, number="13800005001")
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        now = timezone.now()
        for agreed, at in ((True, now - timedelta(days=2)), (False, now - timedelta(hours=1))):
            Consent.objects.create(
                organisation=self.p.org,
                person=person,
                contact=contact,
                purpose="follow_up",
                agreed=agreed,
                method="verbal",
                given_at=at,
                recorded_by=self.p.counsellor,
            )
        page = client_for(self.p.counsellor).get(
            reverse("cases:file-detail", args=[person.public_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        self.assertContains(page, 'data-testid="consent"', count=1)
        self.assertContains(page, "不同意")


class PhoneInTextTests(SimpleTestCase):
    """``rules.phone_in``: the number in a file's contact details, compared by keyed hash with
    callers' numbers. Never digits from a longer number."""

    def test_numbers_found_and_numbers_that_are_not_phones(self):
        from xinyuan.cases.rules import phone_in

        cases = {
            "手机 139 1234 5678": "13912345678",
            "+86 13912345678，母亲": "13912345678",
            "１３９１２３４５６７８": "13912345678",
            "座机 010-82000001": "01082000001",
            "身份证 11010519900101123X 电话 13912345678": "13912345678",
            "固话 0755-12345678，手机 13912345678": "13912345678",  # a mobile first
            "110105199001011234": "",  # an ID card
            "6222021234567890123": "",  # a bank card
            "20231208123456": "",  # a date-time
            "1998-12-07 1203": "",  # a date and a room
            "13912345678910": "",  # too long
            "无": "",
            "": "",
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(phone_in(text), expected)
