"""Issue 10, the live call: nothing slips. Closing rules, one outcome, the silent call, stale
contacts, contact numbers, the crisis-now panel and its emergency-services record, alert
escalation and the counsellor's view of the acknowledgement, the public-safety report, and the
session that never ends under a call."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xinyuan.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PASSWORD, PersonaMixin, client_for
from xinyuan.hotline import actions, rules
from xinyuan.hotline.actions.contacts import do_close_stale_contacts
from xinyuan.hotline.alerts import build_panel
from xinyuan.hotline.models import (
    Contact,
    Disclosure,
    EmergencyCall,
    RiskAlert,
)
from xinyuan.hotline.tasks import close_stale_contacts, queue_stale_sweep
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact

IMMINENT = rules.RiskFactors(ideation=True, ideation_intensity=9, act_in_progress=True)
PLAN_72H = rules.RiskFactors(
    ideation=True,
    ideation_intensity=6,
    has_plan=True,
    plan_timing="within_72h",
    method_lethality="low",
)


def update(user, contact, **changes):
    return actions.do_update_contact(
        actor=user, contact=contact, version=contact.version, changes=changes
    )


def close(user, contact, outcome="resolved"):
    contact.refresh_from_db()
    return actions.do_close_contact(
        actor=user, contact=contact, version=contact.version, outcome=outcome
    )


class CloseRuleTests(PersonaMixin, TestCase):
    """Guide 三(二): strong negative emotion or a repeated call needs the suicide-risk
    assessment before the contact closes, as high risk needs its safety plan."""

    def test_strong_negative_emotion_needs_an_assessment_before_closing(self):
        contact = start_contact(self.p.counsellor)
        contact = update(self.p.counsellor, contact, strong_negative_emotion=True)
        with self.assertRaisesMessage(ValidationError, "自杀风险评估"):
            close(self.p.counsellor, contact)
        actions.do_assess_risk(
            actor=self.p.counsellor, contact=contact, factors=rules.RiskFactors()
        )
        self.assertEqual(close(self.p.counsellor, contact).status, "closed")

    def test_a_repeated_caller_needs_an_assessment_and_a_hang_up_does_not(self):
        contact = start_contact(self.p.counsellor)
        contact = update(self.p.counsellor, contact, contact_type="repeated")
        with self.assertRaisesMessage(ValidationError, "自杀风险评估"):
            close(self.p.counsellor, contact)
        # The caller hung up before anything could be asked: the close is allowed.
        self.assertEqual(close(self.p.counsellor, contact, outcome="dropped").status, "closed")

    def test_a_caller_judged_high_risk_before_is_assessed_again_before_closing(self):
        high_risk_contact(self.p.counsellor, caller_number="13900002222")
        again = start_contact(self.p.counsellor_b, caller_number="13900002222")
        with self.assertRaisesMessage(ValidationError, "自杀风险评估"):
            close(self.p.counsellor_b, again)
        actions.do_assess_risk(
            actor=self.p.counsellor_b, contact=again, factors=rules.RiskFactors()
        )
        # Judged low now (a reason is needed only within one contact): it may close.
        self.assertEqual(close(self.p.counsellor_b, again).status, "closed")

    def test_a_general_contact_without_strong_emotion_closes_without_assessment(self):
        contact = start_contact(self.p.counsellor)
        self.assertEqual(close(self.p.counsellor, contact).status, "closed")

    def test_a_high_risk_plan_needs_warning_signs_people_and_institutions(self):
        contact = high_risk_contact(self.p.counsellor)
        actions.do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        plan = actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data={"warning_signs": "整夜失眠"}
        )
        with self.assertRaises(ValidationError) as refused:
            close(self.p.counsellor, contact, outcome="crisis")
        message = " ".join(refused.exception.messages)
        self.assertIn("可以提供帮助的人员姓名和电话", message)
        self.assertNotIn("自杀预警信号", message, "what is written is not asked for again")
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data=FULL_PLAN, version=plan.version
        )
        self.assertEqual(close(self.p.counsellor, contact, outcome="crisis").status, "closed")

    def test_the_contact_type_follows_a_high_risk_judgement(self):
        repeated = start_contact(self.p.counsellor)
        repeated = update(self.p.counsellor, repeated, contact_type="repeated")
        actions.do_assess_risk(
            actor=self.p.counsellor,
            contact=repeated,
            factors=rules.RiskFactors(**PLAN_72H.__dict__),
        )
        repeated.refresh_from_db()
        self.assertEqual(repeated.contact_type, "suicide_risk")
        for_others = start_contact(self.p.counsellor)
        for_others = update(self.p.counsellor, for_others, contact_type="for_others")
        actions.do_assess_risk(actor=self.p.counsellor, contact=for_others, factors=PLAN_72H)
        for_others.refresh_from_db()
        self.assertEqual(for_others.contact_type, "for_others", "the caller is not at risk")


class OneOutcomeTests(PersonaMixin, TestCase):
    def test_the_close_box_shows_the_recorded_outcome_and_has_no_default(self):
        contact = start_contact(self.p.counsellor)
        page = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/?stage=5")
        html = page.content.decode()
        self.assertNotIn('name="s5-outcome"', html, "stage 5 has no second outcome field")
        self.assertIn('<option value="" selected>', html, "nothing chosen for the counsellor")
        contact = update(self.p.counsellor, contact, outcome="referred")
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/?stage=5")
        self.assertContains(html, '<option value="referred" selected>')

    def test_closing_without_an_outcome_is_refused_and_stores_nothing(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/close/", {"version": contact.version}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "请选择本次来电的处理结果", status_code=422)
        contact.refresh_from_db()
        self.assertEqual(contact.status, "open")

    def test_the_outcome_chosen_is_the_outcome_stored(self):
        contact = start_contact(self.p.counsellor)
        client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/close/",
            {"version": contact.version, "outcome": "referred"},
        )
        contact.refresh_from_db()
        self.assertEqual((contact.status, contact.outcome), ("closed", "referred"))

    def test_a_silent_call_ended_by_the_counsellor_is_stored_as_such(self):
        contact = start_contact(self.p.counsellor)
        contact = update(self.p.counsellor, contact, contact_type="silent")
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        self.assertIn(b'name="outcome" value="ended"', html)
        self.assertNotIn(b'name="outcome" value="dropped"', html)
        client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/close/",
            {"version": contact.version, "outcome": "ended"},
        )
        contact.refresh_from_db()
        self.assertEqual(contact.get_outcome_display(), "咨询师结束通话")


class StaleContactTests(PersonaMixin, TestCase):
    def age(self, contact, hours):
        Contact.objects.filter(pk=contact.pk).update(
            updated_at=timezone.now() - timedelta(hours=hours)
        )

    def test_a_contact_untouched_for_hours_is_closed_as_not_completed(self):
        stale, fresh, planned = (start_contact(self.p.counsellor) for _ in range(3))
        self.age(stale, 5)
        self.age(fresh, 3)
        actions.do_save_safety_plan(actor=self.p.counsellor, contact=planned, data=FULL_PLAN)
        self.age(planned, 5)  # its safety plan was saved just now: still live
        self.assertEqual(do_close_stale_contacts(), 1)
        stale.refresh_from_db()
        self.assertEqual((stale.status, stale.outcome), ("closed", "not_completed"))
        self.assertIsNotNone(stale.ended_at)
        event = AuditEvent.objects.get(target_id=stale.public_id, action="auto_close")
        self.assertIsNone(event.actor_id)
        for other in (fresh, planned):
            other.refresh_from_db()
            self.assertEqual(other.status, "open")
        self.assertEqual(do_close_stale_contacts(), 0, "a second run finds nothing")

    def test_statistics_count_not_completed_apart(self):
        stale = start_contact(self.p.counsellor)
        self.age(stale, 5)
        do_close_stale_contacts()
        html = client_for(self.p.director).get("/reports/statistics/").content.decode()
        self.assertIn('data-testid="not-completed">1<', html)

    def test_the_sweep_requeues_itself_once(self):
        self.assertTrue(queue_stale_sweep())
        self.assertFalse(queue_stale_sweep(), "one waiting is enough (restarts add none)")
        DBTaskResult.objects.all().delete()
        close_stale_contacts.call()
        waiting = DBTaskResult.objects.filter(task_path=close_stale_contacts.module_path)
        self.assertEqual(waiting.count(), 1, "the next sweep is queued")

    def test_the_list_shows_the_running_time_of_live_contacts(self):
        start_contact(self.p.counsellor)
        html = client_for(self.p.counsellor).get("/contacts/").content.decode()
        self.assertIn('data-testid="running-time"', html)


class ContactNumberTests(PersonaMixin, TestCase):
    def test_numbers_run_per_centre_and_year(self):
        year = timezone.localtime().year
        first, second = start_contact(self.p.counsellor), start_contact(self.p.counsellor_b)
        other = start_contact(self.p.outsider)
        self.assertEqual(first.number, f"{year}-000001")
        self.assertEqual(second.number, f"{year}-000002")
        self.assertEqual(other.number, f"{year}-000001", "another centre counts its own")
        last_year = start_contact(
            self.p.counsellor, started_at=timezone.now() - timedelta(days=400)
        )
        self.assertEqual(last_year.number, f"{year - 1}-000001")

    def test_the_number_is_shown_and_searchable_in_the_centre_only(self):
        contact = start_contact(self.p.counsellor)
        page = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/")
        self.assertContains(page, contact.number)
        found = client_for(self.p.supervisor).get("/contacts/", {"q": contact.number})
        self.assertContains(found, f"/contacts/{contact.public_id}/")
        start_contact(self.p.outsider)  # the same number in the other centre
        theirs = client_for(self.p.outsider_supervisor).get("/contacts/", {"q": contact.number})
        self.assertNotContains(theirs, f"/contacts/{contact.public_id}/")

    def test_break_glass_accepts_the_number_with_its_centre(self):
        contact = start_contact(self.p.outsider, caller_number="13900001111")
        reason = "来电者极高风险，自述昨天打过其他热线"
        url = "/contacts/break-glass/"
        supervisor = client_for(self.p.supervisor)
        without_centre = supervisor.post(url, {"reference": contact.number, "reason": reason})
        self.assertContains(without_centre, "请选择该来电编号所属的中心", status_code=422)
        wrong = supervisor.post(url, {"reference": "2026-12x", "reason": reason})
        self.assertContains(wrong, "2026-000123", status_code=422)
        centre = str(self.p.other_org.public_id)
        short = contact.number.split("-")[0] + "-1"  # leading zeros may be left out
        opened = supervisor.post(url, {"reference": short, "centre": centre, "reason": reason})
        self.assertEqual(opened.status_code, 302)
        self.assertEqual(contact.break_glass_accesses.count(), 1)


class CrisisNowTests(PersonaMixin, TestCase):
    def test_an_act_in_progress_puts_the_crisis_panel_first(self):
        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(actor=self.p.counsellor, contact=contact, factors=IMMINENT)
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        html = html.decode()
        panel = html.index('data-testid="crisis-now"')
        self.assertLess(panel, html.index('data-testid="harassment-1"'))
        self.assertLess(panel, html.index('data-testid="stage-form-'))
        self.assertIn("正在实施", html[panel : panel + 400])
        self.assertIn("120 · 110", html[panel:])
        self.assertIn('data-testid="emergency-120"', html)

    def test_a_plan_within_72_hours_has_its_own_text(self):
        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(actor=self.p.counsellor, contact=contact, factors=PLAN_72H)
        contact.refresh_from_db()
        self.assertEqual(contact.risk_level, "high")
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        self.assertIn(b'data-testid="crisis-steps-72h"', html)
        self.assertNotIn(b'data-testid="crisis-steps"', html)

    def test_no_crisis_panel_at_low_risk(self):
        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(
            actor=self.p.counsellor, contact=contact, factors=rules.RiskFactors()
        )
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        self.assertNotIn(b'data-testid="crisis-now"', html)

    def test_one_click_records_the_call_and_the_confidentiality_exception(self):
        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(actor=self.p.counsellor, contact=contact, factors=IMMINENT)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/emergency-calls/",
            {"service": "120", "reference": "急救2026-17"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "急救2026-17")
        call = EmergencyCall.objects.get(contact=contact)
        self.assertEqual((call.service, call.recorded_by), ("120", self.p.counsellor))
        disclosure = Disclosure.objects.get(contact=contact)
        self.assertEqual(disclosure.kind, "danger_to_self")
        self.assertEqual(call.disclosure, disclosure)
        self.assertTrue(
            AuditEvent.objects.filter(target_id=contact.public_id, action="emergency_call").exists()
        )

    def test_a_bad_service_is_refused_in_words(self):
        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(actor=self.p.counsellor, contact=contact, factors=IMMINENT)
        response = client_for(self.p.counsellor).post(
            f"/contacts/{contact.public_id}/emergency-calls/",
            {"service": "999"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "invalid-feedback")
        self.assertFalse(EmergencyCall.objects.exists())

    def test_a_colleague_cannot_record_on_anothers_contact(self):
        contact = start_contact(self.p.counsellor)
        response = client_for(self.p.counsellor_b).post(
            f"/contacts/{contact.public_id}/emergency-calls/", {"service": "120"}
        )
        self.assertIn(response.status_code, (403, 404))
        self.assertFalse(EmergencyCall.objects.exists())


class EscalationTests(PersonaMixin, TestCase):
    def panel_contacts(self, user):
        return [line.obj.contact_id for line in build_panel(user).lines]

    def test_the_supervisor_on_duty_sees_it_at_once_the_director_after_the_wait(self):
        contact = high_risk_contact(self.p.counsellor)
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNone(alert.escalated_at, "a supervisor is on duty")
        self.assertEqual(self.panel_contacts(self.p.supervisor), [contact.pk])
        self.assertEqual(self.panel_contacts(self.p.director), [], "off duty: not yet")
        queued = DBTaskResult.objects.filter(task_path__endswith="escalate_alerts").get()
        self.assertAlmostEqual((queued.run_after - alert.created_at).total_seconds(), 180, delta=5)
        self.assertEqual(actions.do_escalate_due_alerts(), 0, "not due yet")
        RiskAlert.objects.filter(pk=alert.pk).update(
            created_at=timezone.now() - timedelta(minutes=4)
        )
        self.assertEqual(actions.do_escalate_due_alerts(), 1)
        self.assertEqual(self.panel_contacts(self.p.director), [contact.pk])
        self.assertTrue(AuditEvent.objects.filter(action="escalate").exists())
        self.assertEqual(actions.do_escalate_due_alerts(), 0, "escalated once")

    def test_nobody_on_duty_escalates_at_once_and_names_who_to_call(self):
        type(self.p.supervisor).objects.filter(pk=self.p.supervisor.pk).update(is_on_duty=False)
        contact = high_risk_contact(self.p.counsellor)
        alert = RiskAlert.objects.get(contact=contact)
        self.assertIsNotNone(alert.escalated_at)
        self.assertEqual(self.panel_contacts(self.p.director), [contact.pk])
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/")
        html = html.content.decode()
        self.assertIn('data-testid="nobody-on-duty"', html)
        self.assertIn("director", html[html.index('data-testid="nobody-on-duty"') :][:400])
        self.assertNotIn("督导 督导", html)

    def test_the_counsellors_page_sees_the_acknowledgement_and_escalates_when_due(self):
        contact = high_risk_contact(self.p.counsellor)
        url = f"/contacts/{contact.public_id}/alert-status/"
        waiting = client_for(self.p.counsellor).get(url)
        self.assertContains(waiting, 'data-testid="alert-waiting"')
        self.assertContains(waiting, 'hx-trigger="every 3s"', msg_prefix="it polls while waiting")
        RiskAlert.objects.filter(contact=contact).update(
            created_at=timezone.now() - timedelta(minutes=4)
        )
        escalated = client_for(self.p.counsellor).get(url)
        self.assertContains(escalated, 'data-testid="alert-escalated"')
        alert = RiskAlert.objects.get(contact=contact)
        actions.do_acknowledge_alert(actor=self.p.supervisor, alert=alert)
        taken = client_for(self.p.counsellor).get(url)
        self.assertContains(taken, "督导")
        self.assertContains(taken, 'data-testid="alert-acknowledged"')
        self.assertNotContains(taken, "hx-trigger", msg_prefix="no more polling once taken")

    def test_the_poll_costs_few_statements(self):
        contact = high_risk_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        url = f"/contacts/{contact.public_id}/alert-status/"
        client.get(url)
        # session, user, the contact in scope, its latest alert, supervisors on duty
        with self.assertNumQueries(5):
            client.get(url)

    def test_a_public_safety_report_alerts_the_director_at_once(self):
        contact = start_contact(self.p.counsellor)
        from xinyuan.hotline.actions.disclosures import do_record_disclosure

        do_record_disclosure(
            actor=self.p.counsellor,
            contact=contact,
            kind="public_safety",
            disclosed_to="中心主任",
            reason="来电者称要报复同事，已报告主任",
        )
        alert = RiskAlert.objects.get(contact=contact)
        self.assertEqual(alert.kind, "public_safety")
        self.assertIsNotNone(alert.escalated_at)
        self.assertEqual(self.panel_contacts(self.p.director), [contact.pk])
        html = client_for(self.p.director).get("/alerts/panel/").content.decode()
        self.assertIn("公共安全", html)
        actions.do_acknowledge_alert(actor=self.p.director, alert=alert)
        alert.refresh_from_db()
        self.assertEqual(alert.acknowledged_by, self.p.director)


class SessionTests(PersonaMixin, TestCase):
    def age_session(self, client, idle_seconds, signed_in_seconds=None):
        session = client.session
        now = time.time()
        session[LAST_ACTIVITY] = now - idle_seconds
        session[SIGNED_IN_AT] = now - (signed_in_seconds or idle_seconds)
        session.save()

    def test_a_live_call_keeps_the_session_alive(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        self.age_session(client, 25 * 60)
        answer = client.post(
            "/session/keepalive/", {"active": "0", "contact": str(contact.public_id)}
        ).json()
        self.assertTrue(answer["kept"])
        self.age_session(client, 29 * 60, signed_in_seconds=3600)
        self.assertEqual(client.get(f"/contacts/{contact.public_id}/").status_code, 200)

    @override_settings(IDLE_TIMEOUT_MINUTES=30)
    def test_the_page_counts_down_from_the_activity_the_server_noted(self):
        # Activity is noted at most once a minute: a page opened 40 s after the last note has
        # 40 s less than the full idle time, and its countdown must say so.
        client = client_for(self.p.counsellor)
        self.age_session(client, 40)
        html = client.get("/contacts/").content.decode()
        match = re.search(r'data-idle-left="(\d+)"', html)
        assert match is not None
        self.assertAlmostEqual(int(match.group(1)), 30 * 60 - 40, delta=2)

    def test_no_live_call_no_keepalive(self):
        contact = start_contact(self.p.counsellor)
        other = client_for(self.p.counsellor_b)
        answer = other.post(
            "/session/keepalive/", {"active": "0", "contact": str(contact.public_id)}
        ).json()
        self.assertFalse(answer["kept"], "not the user's own contact")
        close(self.p.counsellor, contact)
        mine = client_for(self.p.counsellor)
        answer = mine.post(
            "/session/keepalive/", {"active": "0", "contact": str(contact.public_id)}
        ).json()
        self.assertFalse(answer["kept"], "a closed contact is no live call")
        self.assertFalse(mine.post("/session/keepalive/", {"active": "0"}).json()["kept"])

    def test_a_supervisor_watching_is_kept_and_the_page_carries_the_heartbeat(self):
        client = client_for(self.p.director)
        html = client.get("/workstation/").content.decode()
        self.assertIn('data-keepalive-watch="1"', html)
        self.assertIn('id="idle-warning"', html)
        answer = client.post("/session/keepalive/", {"active": "0", "watch": "1"}).json()
        self.assertTrue(answer["kept"])
        counsellor = client_for(self.p.counsellor)
        answer = counsellor.post("/session/keepalive/", {"active": "0", "watch": "1"}).json()
        self.assertFalse(answer["kept"], "only those who take alerts watch them")

    @override_settings(SESSION_HARD_MAX_HOURS=12)
    def test_the_hard_maximum_ends_even_a_live_call_and_says_why(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        self.age_session(client, 10, signed_in_seconds=12 * 3600 + 5)
        response = client.get(f"/contacts/{contact.public_id}/")
        self.assertEqual(response.status_code, 302)
        self.assertIn(f"next=/contacts/{contact.public_id}/", response["Location"])
        login = client.get(response["Location"])
        self.assertContains(login, "登录 12 小时后")

    def test_an_idle_sign_out_from_a_background_poll_comes_back_to_the_page(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        self.age_session(client, 31 * 60)
        page = f"http://testserver/contacts/{contact.public_id}/?stage=3"
        response = client.get(
            f"/contacts/{contact.public_id}/alert-status/",
            headers={"HX-Request": "true", "HX-Current-URL": page},
        )
        self.assertEqual(response.status_code, 204)
        target = response["HX-Redirect"]
        self.assertIn("next=/contacts/", target)
        self.assertNotIn("alert-status", target)
        login = client.get(target)
        self.assertContains(login, "无操作")

    def test_signing_in_never_lands_on_a_part_of_a_page(self):
        response = self.client.post(
            "/accounts/login/?next=/alerts/panel/",
            {"username": "supervisor", "password": PASSWORD},
        )
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("/alerts/panel/", response["Location"])

    def test_a_get_on_a_post_only_contact_url_goes_back_to_the_contact(self):
        contact = start_contact(self.p.counsellor)
        client = client_for(self.p.counsellor)
        for part in ("risk/", "follow-ups/", "close/", "safety-plan/", "emergency-calls/"):
            response = client.get(f"/contacts/{contact.public_id}/{part}")
            self.assertRedirects(response, f"/contacts/{contact.public_id}/")
        self.assertEqual(client.put(f"/contacts/{contact.public_id}/close/").status_code, 405)
