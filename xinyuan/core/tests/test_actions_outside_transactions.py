"""Every ``do_*`` action, run as production runs it: outside any test transaction.

Django's ``TestCase`` wraps each test in a transaction, so an action that forgot its own
``atomic`` still "works" there — and in production commits its write without its audit event
or answers 500 (the legal hold did both). Here each action is called from a
``TransactionTestCase`` (autocommit, no wrapping transaction) with valid arguments, and must
complete with its audit event committed. A new action without an entry in ``CALLS`` fails
``test_every_action_has_an_entry``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import date, timedelta
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone

import xinyuan
from xinyuan.accounts import actions as account_actions
from xinyuan.accounts.selectors import SignInAttempt
from xinyuan.assessments import actions as assessment_actions
from xinyuan.audit import actions as audit_actions
from xinyuan.audit.models import AuditEvent
from xinyuan.cases import actions as case_actions
from xinyuan.cases.actions import consent as consent_actions
from xinyuan.cases.models import FollowUp
from xinyuan.core.testing import ProductionTransactionTestCase, make_personas
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.actions import break_glass as break_glass_actions
from xinyuan.hotline.actions import disclosures as disclosure_actions
from xinyuan.hotline.actions import notes as notes_actions
from xinyuan.hotline.actions import retention as retention_actions
from xinyuan.hotline.actions import seats as seat_actions
from xinyuan.hotline.tests import factories
from xinyuan.reports import actions as report_actions
from xinyuan.reports.rules import period_for

F = "xinyuan.cases.actions.files."


def action_modules():
    """Every module named ``actions`` or inside an ``actions`` package, in every app."""
    for info in pkgutil.walk_packages(xinyuan.__path__, "xinyuan."):
        if ".tests" in info.name or ".migrations" in info.name:
            continue
        if info.name.endswith(".actions") or ".actions." in info.name:
            yield importlib.import_module(info.name)


def discovered_actions() -> dict[str, Callable]:
    found = {}
    for module in action_modules():
        for name, value in vars(module).items():
            if name.startswith("do_") and callable(value) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def world() -> SimpleNamespace:
    """Personas and records in the states the actions need, built through actions."""
    p = make_personas()
    w = SimpleNamespace(p=p)
    w.contact = factories.start_contact(p.counsellor, caller_number="13800000001")
    w.high = factories.high_risk_contact(p.counsellor, caller_number="13800000002")
    w.follow_up = hotline_actions.do_book_follow_up(
        actor=p.counsellor, contact=w.high, consent_given=True
    )
    w.result, _created = assessment_actions.do_submit(
        scale_code="phq9",
        answers=[0] * 8 + [2],
        organisation=p.org,
        submission_key="outside",
        language="zh-hans",
    )
    w.task = w.result.tasks.get()
    w.campaign = assessment_actions.do_create_campaign(
        actor=p.director,
        name="职工筛查",
        scales=["phq9"],
        groups=[],
        starts_on=date.today(),
        ends_on=date.today(),
        identified=True,
    )
    return w


def fresh(w, number: str):
    return factories.start_contact(w.p.counsellor, caller_number=number)


def booked(w, number: str):
    """A new contact with a follow-up booked, for an action that uses one up."""
    contact = fresh(w, number)
    return hotline_actions.do_book_follow_up(
        actor=w.p.counsellor, contact=contact, consent_given=True
    )


def _record_follow_up(w):
    from xinyuan.hotline import rules
    from xinyuan.hotline.actions import do_record_follow_up

    do_record_follow_up(
        actor=w.p.counsellor,
        follow_up=booked(w, "13800000031"),
        status="done",
        data={
            "emotional_change": "better",
            "pain_level": 3,
            "hope_level": 6,
            "safety_status": "safe",
        },  # fmt: skip
        assessment={
            "factors": rules.RiskFactors(ideation=False),
            "final_level": "low",
            "override_reason": "来电者已与家人同住，情绪平稳",
        },  # fmt: skip
    )


def _reminders(w):
    from xinyuan.cases.actions.reminders import do_send_follow_up_reminders

    do_send_follow_up_reminders(now=w.follow_up.due_at + timedelta(minutes=1))


def _mark_reminder_read(w):
    from xinyuan.cases.actions.reminders import do_mark_reminder_read, do_send_follow_up_reminders
    from xinyuan.cases.models import FollowUpReminder

    follow_up = booked(w, "13800000032")
    do_send_follow_up_reminders(now=follow_up.due_at - timedelta(minutes=30))
    reminder = FollowUpReminder.objects.get(follow_up=follow_up)
    do_mark_reminder_read(actor=w.p.counsellor, reminder=reminder)


def _close(w):
    from xinyuan.hotline.actions import do_close_contact

    contact = fresh(w, "13800000011")
    do_close_contact(actor=w.p.counsellor, contact=contact, version=contact.version,
                     outcome="resolved")  # fmt: skip


def _close_stale(w):
    from xinyuan.hotline.actions.contacts import do_close_stale_contacts
    from xinyuan.hotline.models import Contact

    contact = fresh(w, "13800000013")
    Contact.objects.filter(pk=contact.pk).update(updated_at=timezone.now() - timedelta(hours=5))
    assert do_close_stale_contacts() == 1


def _escalate(w):
    from xinyuan.hotline.actions import do_escalate_due_alerts
    from xinyuan.hotline.models import RiskAlert

    RiskAlert.objects.filter(contact=w.high).update(
        escalated_at=None, created_at=timezone.now() - timedelta(minutes=10)
    )
    assert do_escalate_due_alerts() == 1


def _harassment(w):
    from xinyuan.hotline.actions import do_end_harassment_contact

    contact = fresh(w, "13800000012")
    do_end_harassment_contact(actor=w.p.counsellor, contact=contact, version=contact.version)


def _anonymise_on_request(w):
    from xinyuan.hotline.actions import do_close_contact
    from xinyuan.hotline.actions.retention import do_anonymise_person_on_request

    contact = fresh(w, "13800000013")
    do_close_contact(actor=w.p.counsellor, contact=contact, version=contact.version,
                     outcome="resolved")  # fmt: skip
    do_anonymise_person_on_request(actor=w.p.director, person=contact.person, reference="批准-1")


def _consent_withdrawal(w):
    from xinyuan.hotline.actions import do_record_consent, do_withdraw_consent

    consent = do_record_consent(
        actor=w.p.counsellor, contact=w.contact, purpose="recording", agreed=True
    )
    do_withdraw_consent(actor=w.p.counsellor, consent=consent, note="不想录音了")


def _mark_withdrawn(w):
    from xinyuan.cases.actions.consent import do_add_consent, do_mark_consent_withdrawn

    consent = do_add_consent(actor=w.p.counsellor, contact=w.contact, purpose="assessment",
                             agreed=True)  # fmt: skip
    do_mark_consent_withdrawn(actor=w.p.counsellor, consent=consent, note="改变主意")


def _cancel_after_refusal(w):
    from xinyuan.cases.actions.consent import do_add_consent, do_cancel_follow_ups_after_refusal

    consent = do_add_consent(actor=w.p.counsellor, contact=w.high, purpose="follow_up",
                             agreed=True)  # fmt: skip
    do_cancel_follow_ups_after_refusal(actor=w.p.counsellor, consent=consent)


def _review_break_glass(w):
    from xinyuan.hotline.actions.break_glass import do_open_break_glass, do_review_break_glass

    (grant,) = do_open_break_glass(
        actor=w.p.outsider_supervisor, contacts=[w.high], reason="来电者有极高风险，需了解情况"
    )
    do_review_break_glass(actor=w.p.auditor, access=grant, note="已核实")


def _totp(w, confirm: bool):
    from xinyuan.accounts import totp
    from xinyuan.accounts.actions import do_confirm_totp_enrolment, do_verify_totp

    secret = totp.new_secret()
    step = totp.current_step()
    if confirm:
        do_confirm_totp_enrolment(
            actor=w.p.supervisor, secret=secret, code=totp.code_at(secret, step)
        )
    else:
        do_confirm_totp_enrolment(
            actor=w.p.director, secret=secret, code=totp.code_at(secret, step - 1)
        )
        w.p.director.refresh_from_db()
        do_verify_totp(user=w.p.director, code=totp.code_at(secret, step))


def _revoke_token(w):
    from xinyuan.accounts.actions import do_issue_api_token, do_revoke_api_token

    token, _clear = do_issue_api_token(actor=w.p.admin, user=w.p.counsellor, name="switch")
    do_revoke_api_token(actor=w.p.admin, token=token)


def _link_identity(w):
    from xinyuan.cases.actions import do_link_identity

    do_link_identity(actor=w.p.counsellor, organisation=w.p.org, kind="phone",
                     value="13800000099")  # fmt: skip


def _register_contact(w):
    from xinyuan.cases.actions import do_register_contact_for_person

    do_register_contact_for_person(person=w.contact.person, started_at=timezone.now())


def _set_caller_note(w):
    from xinyuan.cases.actions.caller_notes import do_set_caller_note

    return do_set_caller_note(
        actor=w.p.supervisor,
        person=w.contact.person,
        text="问候后礼貌结束通话",
        expires_at=timezone.now() + timedelta(days=7),
    )


def _remove_caller_note(w):
    from xinyuan.cases.actions.caller_notes import do_remove_caller_note

    do_remove_caller_note(actor=w.p.director, note=_set_caller_note(w))


def _carry_forward_plan(w):
    from xinyuan.hotline.actions.returning import do_carry_forward_safety_plan

    earlier = fresh(w, "13800000041")
    plan = hotline_actions.do_save_safety_plan(
        actor=w.p.counsellor, contact=earlier, data=factories.FULL_PLAN
    )
    again = fresh(w, "13800000041")
    do_carry_forward_safety_plan(actor=w.p.counsellor, contact=again, source=plan)


def _set_workload_limits(w):
    from xinyuan.operations.actions.workload import do_set_workload_limits

    return do_set_workload_limits(
        actor=w.p.director,
        max_hours_per_week="37.5",
        max_night_shifts_per_week="2",
        min_rest_hours="11",
        max_high_risk_contacts_per_week="8",
    )


def _review(w):
    from xinyuan.operations.actions.reviews import do_review_contact
    from xinyuan.operations.tests.factories import closed_contact

    return do_review_contact(
        actor=w.p.supervisor,
        contact=closed_contact(w.p.counsellor, caller_number="13800000051"),
        process_score=4,
        attitude_score=5,
        communication_score=4,
    )


def _mark_review_seen(w):
    from xinyuan.operations.actions.reviews import do_mark_review_seen

    do_mark_review_seen(actor=w.p.counsellor, review=_review(w))


def _directory():
    from xinyuan.directory import actions

    return actions


def _institution(w, name: str):
    from xinyuan.directory.models import Institution

    found = Institution.objects.filter(organisation=w.p.org, name=name).first()
    return found or _directory().do_create_institution(
        actor=w.p.supervisor, data={"name": name, "kind": "other", "phone": "110"}
    )


def _file(w, number: str):
    """A new contact whose person's file is opened (by its counsellor)."""
    from xinyuan.hotline.actions.person_files import do_open_file_from_contact

    return do_open_file_from_contact(actor=w.p.counsellor, contact=fresh(w, number))


def _files():
    from xinyuan.cases.actions import files

    return files


def _plans():
    from xinyuan.cases.actions import plans

    return plans


def _teams():
    from xinyuan.cases.actions import teams

    return teams


def _plan(w, number: str):
    return _plans().do_create_plan(
        actor=w.p.counsellor,
        person=_file(w, number),
        data={"approaches": ["individual"], "goals": "稳定情绪"},
    )


def _referral(w, number: str):
    return _files().do_create_referral(
        actor=w.p.counsellor,
        person=_file(w, number),
        institution=_institution(w, "转介医院"),
        data={"reason": "评估", "urgency": "soon", "consent_basis": "consented"},
    )


def _community_report(w, number: str):
    return _files().do_file_community_report(
        actor=w.p.counsellor,
        person=_file(w, number),
        data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
    )


def _version(person) -> int:
    person.refresh_from_db()
    return person.file_version


def _policy():
    from xinyuan.cases.actions import policy

    return policy


def _book_next(w):
    follow_up = booked(w, "13800000920")
    FollowUp.objects.filter(pk=follow_up.pk).update(status="done")
    follow_up.refresh_from_db()
    assert _policy().do_book_next_by_policy(actor=w.p.counsellor, done=follow_up) is not None


def _escalate(w):
    follow_up = booked(w, "13800000921")
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - timedelta(hours=2))
    assert _policy().do_escalate_overdue_follow_ups().created >= 1


def _merge(w, first: str, second: str):
    from xinyuan.cases.actions.merge import do_merge_persons

    return do_merge_persons(
        actor=w.p.supervisor, source=_file(w, first), target=_file(w, second), reason="同一人"
    )


def _record_complaint(w):
    from xinyuan.operations.actions.complaints import do_record_complaint

    return do_record_complaint(
        actor=w.p.supervisor,
        kind="complaint",
        channel="phone",
        received_at=timezone.now(),
        text="等待时间太长",
    )


def _handle_complaint(w):
    from xinyuan.operations.actions.complaints import do_handle_complaint

    do_handle_complaint(
        actor=w.p.director,
        complaint=_record_complaint(w),
        owner=w.p.supervisor,
        status="resolved",
        outcome="已回电说明",
    )


def _training_session(w):
    from xinyuan.operations.actions.training import do_record_training_session

    do_record_training_session(
        actor=w.p.supervisor,
        title="伦理与保密",
        topic="ethics",
        held_on=date.today(),
        hours=2,
        attendees=[w.p.counsellor],
    )


def _training(w):
    from xinyuan.operations.actions.training import do_record_training

    do_record_training(
        actor=w.p.director,
        person=w.p.counsellor,
        topic="crisis",
        title="危机干预培训（市精神卫生中心）",
        hours=8,
        completed_on=date.today(),
        certificate="C-1",
    )


def _supervision(w):
    from xinyuan.operations.actions.training import do_record_supervision_session

    do_record_supervision_session(
        actor=w.p.supervisor,
        format="individual",
        held_on=date.today(),
        hours=1,
        supervisor=w.p.supervisor,
        attendees=[w.p.counsellor],
        topics="高危来电复盘",
        contacts=[w.high],
    )


def _submit_feedback(w):
    from xinyuan.operations.actions.complaints import FeedbackOrigin, do_submit_feedback

    do_submit_feedback(
        organisation=w.p.org, kind="praise", text="谢谢", origin=FeedbackOrigin("d", "n")
    )


def _centre(w):
    """Centre administration: the records its actions need, made once per world."""
    from xinyuan.accounts.actions import centre

    if not hasattr(w, "invitee"):
        w.invitee, w.invite_url = centre.do_invite_staff(
            actor=w.p.admin, username="outside_invitee", data={"alias": "31号"}
        )
    return centre


def _set_password_by_link(w):
    centre = _centre(w)
    url = centre.do_issue_sign_in_link(actor=w.p.admin, staff=w.invitee)
    centre.do_set_password_by_link(
        clear=url.rstrip("/").rsplit("/", 1)[1],
        password="a-long-new-password-7",
        password_again="a-long-new-password-7",
    )


def _two_factor_reset(w, confirm: bool):
    from django.utils import timezone

    from xinyuan.accounts.models import User

    centre = _centre(w)
    target = w.p.supervisor if confirm else w.p.counsellor_b
    User.objects.filter(pk=target.pk).update(totp_confirmed_at=timezone.now())
    target.refresh_from_db()
    reset = centre.do_request_two_factor_reset(actor=w.p.director, staff=target, reason="手机丢失")
    if confirm:
        centre.do_confirm_two_factor_reset(actor=w.p.admin, reset=reset)


# module-qualified action → (call with valid arguments, whether it must leave an audit event)
CALLS: dict[str, tuple[Callable[[SimpleNamespace], object], bool]] = {
    # accounts
    "xinyuan.accounts.actions.do_issue_api_token": (
        lambda w: account_actions.do_issue_api_token(
            actor=w.p.admin, user=w.p.counsellor, name="switch"
        ),
        True,
    ),
    "xinyuan.accounts.actions.do_revoke_api_token": (_revoke_token, True),
    "xinyuan.accounts.actions.do_record_sign_in_failure": (
        lambda w: account_actions.do_record_sign_in_failure(
            attempt=SignInAttempt(stage="password", name_hash="h", network="203.0.113.1"),
            username=w.p.counsellor.username,
        ),
        True,
    ),
    "xinyuan.accounts.actions.do_record_login": (
        lambda w: account_actions.do_record_login(
            user=w.p.counsellor, two_factor=False, network="203.0.113.1"
        ),
        True,
    ),
    "xinyuan.accounts.actions.do_confirm_totp_enrolment": (lambda w: _totp(w, True), True),
    "xinyuan.accounts.actions.do_verify_totp": (lambda w: _totp(w, False), True),
    "xinyuan.accounts.actions.do_rotate_totp_keys": (
        lambda w: account_actions.do_rotate_totp_keys(),
        False,  # maintenance: ``rotate_keys`` records one event for the whole rotation
    ),
    "xinyuan.accounts.actions.do_set_duty": (
        lambda w: account_actions.do_set_duty(actor=w.p.director, on_duty=True),
        True,
    ),
    # operations
    "xinyuan.operations.actions.workload.do_set_workload_limits": (_set_workload_limits, True),
    # accounts: centre administration
    "xinyuan.accounts.actions.centre.do_create_centre": (
        lambda w: _centre(w).do_create_centre(
            region_name="新地区卫生健康委员会", centre_name="新中心", admin_username="newadmin"
        ),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_update_centre_profile": (
        lambda w: _centre(w).do_update_centre_profile(
            actor=w.p.director, organisation=w.p.org, data={"line_count": 6}, seen_at=None
        ),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_invite_staff": (
        lambda w: _centre(w).do_invite_staff(
            actor=w.p.director, username="outside_invited", data={"role": "counsellor"}
        ),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_issue_sign_in_link": (
        lambda w: _centre(w).do_issue_sign_in_link(actor=w.p.admin, staff=w.invitee),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_set_password_by_link": (_set_password_by_link, True),
    "xinyuan.accounts.actions.centre.do_update_staff": (
        lambda w: _centre(w).do_update_staff(
            actor=w.p.admin, staff=w.p.counsellor_b, data={"alias": "18号"}, seen_at=None
        ),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_deactivate_staff": (
        lambda w: _centre(w).do_deactivate_staff(actor=w.p.admin, staff=w.invitee),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_reactivate_staff": (
        lambda w: _centre(w).do_reactivate_staff(actor=w.p.admin, staff=w.invitee),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_request_two_factor_reset": (
        lambda w: _two_factor_reset(w, confirm=False),
        True,
    ),
    "xinyuan.accounts.actions.centre.do_confirm_two_factor_reset": (
        lambda w: _two_factor_reset(w, confirm=True),
        True,
    ),
    # audit
    "xinyuan.audit.actions.do_record_view": (
        lambda w: audit_actions.do_record_view(actor=w.p.supervisor, target=w.contact),
        True,
    ),
    "xinyuan.audit.actions.do_record_list_view": (
        lambda w: audit_actions.do_record_list_view(
            actor=w.p.supervisor, model_label="hotline.contact", records=[w.contact]
        ),
        True,
    ),
    "xinyuan.audit.actions.do_record_export": (
        lambda w: audit_actions.do_record_export(
            actor=w.p.director, what="test", count=1, filters={}, subject=w.contact.person
        ),
        True,
    ),
    # cases
    "xinyuan.cases.actions.do_link_identity": (_link_identity, True),
    "xinyuan.cases.actions.do_register_contact_for_person": (_register_contact, False),
    "xinyuan.cases.actions.do_reveal_identity": (
        lambda w: case_actions.do_reveal_identity(
            actor=w.p.supervisor, identity=w.contact.identity, reason="回访"
        ),
        True,
    ),
    "xinyuan.cases.actions.do_set_management_rule": (
        lambda w: case_actions.do_set_management_rule(
            actor=w.p.supervisor, person=w.contact.person, rule="每周一次，每次20分钟"
        ),
        True,
    ),
    "xinyuan.cases.actions.do_schedule_follow_up": (
        lambda w: case_actions.do_schedule_follow_up(
            actor=w.p.counsellor, contact=w.contact, consent_given=True
        ),
        True,
    ),
    "xinyuan.cases.actions.do_complete_follow_up": (
        lambda w: case_actions.do_complete_follow_up(
            actor=w.p.counsellor, follow_up=booked(w, "13800000033"), status="unreachable", data={}
        ),
        True,
    ),
    "xinyuan.cases.actions.do_rotate_identity_keys": (
        lambda w: case_actions.do_rotate_identity_keys(),
        False,  # maintenance: ``rotate_keys`` records one event for the whole rotation
    ),
    "xinyuan.cases.actions.consent.do_add_consent": (
        lambda w: consent_actions.do_add_consent(
            actor=w.p.counsellor, contact=w.contact, purpose="sharing", agreed=True
        ),
        True,
    ),
    "xinyuan.cases.actions.consent.do_mark_consent_withdrawn": (_mark_withdrawn, True),
    "xinyuan.cases.actions.consent.do_cancel_follow_ups_after_refusal": (
        _cancel_after_refusal,
        True,
    ),
    "xinyuan.cases.actions.caller_notes.do_set_caller_note": (_set_caller_note, True),
    "xinyuan.cases.actions.caller_notes.do_remove_caller_note": (_remove_caller_note, True),
    "xinyuan.cases.actions.reminders.do_send_follow_up_reminders": (_reminders, True),
    "xinyuan.cases.actions.reminders.do_mark_reminder_read": (_mark_reminder_read, True),
    # hotline
    "xinyuan.hotline.actions.contacts.do_start_contact": (
        lambda w: fresh(w, "13800000021"),
        True,
    ),
    "xinyuan.hotline.actions.contacts.do_update_contact": (
        lambda w: hotline_actions.do_update_contact(
            actor=w.p.counsellor,
            contact=w.contact,
            version=w.contact.version,
            changes={"purpose": "失眠"},
        ),  # fmt: skip
        True,
    ),
    "xinyuan.hotline.actions.contacts.do_close_contact": (_close, True),
    "xinyuan.hotline.actions.contacts.do_end_harassment_contact": (_harassment, True),
    "xinyuan.hotline.actions.contacts.do_close_stale_contacts": (_close_stale, True),
    "xinyuan.hotline.actions.contacts.do_end_call": (
        lambda w: hotline_actions.do_end_call(
            actor=w.p.counsellor,
            contact=fresh(w, "13800000014"),
            version=1,
        ),
        True,
    ),
    "xinyuan.hotline.actions.escalation.do_escalate_due_alerts": (_escalate, True),
    "xinyuan.hotline.actions.emergency.do_record_emergency_call": (
        lambda w: hotline_actions.do_record_emergency_call(
            actor=w.p.counsellor, contact=w.high, service="120", reference="急救2026-17"
        ),
        True,
    ),
    "xinyuan.hotline.actions.contacts.do_record_follow_up_declined": (
        lambda w: hotline_actions.do_record_follow_up_declined(
            actor=w.p.counsellor, contact=w.high, reason="不需要"
        ),
        True,
    ),
    "xinyuan.hotline.actions.risk.do_assess_risk": (
        lambda w: factories.high_risk_contact(w.p.counsellor),
        True,
    ),
    "xinyuan.hotline.actions.risk.do_raise_alert": (
        lambda w: hotline_actions.do_raise_alert(
            actor=w.p.counsellor, contact=w.contact, level="high"
        ),
        True,
    ),
    "xinyuan.hotline.actions.risk.do_acknowledge_alert": (
        lambda w: hotline_actions.do_acknowledge_alert(
            actor=w.p.supervisor, alert=w.high.alerts.get()
        ),
        True,
    ),
    "xinyuan.hotline.actions.safety_plan.do_save_safety_plan": (
        lambda w: hotline_actions.do_save_safety_plan(
            actor=w.p.counsellor, contact=w.high, data={"people_to_call": "姐姐"}
        ),
        True,
    ),
    "xinyuan.hotline.actions.follow_ups.do_book_follow_up": (
        lambda w: hotline_actions.do_book_follow_up(
            actor=w.p.counsellor, contact=w.contact, consent_given=True
        ),
        True,
    ),
    "xinyuan.hotline.actions.follow_ups.do_record_follow_up": (_record_follow_up, True),
    "xinyuan.hotline.actions.returning.do_carry_forward_safety_plan": (_carry_forward_plan, True),
    "xinyuan.hotline.actions.consents.do_record_consent": (
        lambda w: hotline_actions.do_record_consent(
            actor=w.p.counsellor, contact=w.contact, purpose="recording", agreed=True
        ),
        True,
    ),
    "xinyuan.hotline.actions.consents.do_withdraw_consent": (_consent_withdrawal, True),
    "xinyuan.hotline.actions.call_events.do_record_call_event": (
        lambda w: hotline_actions.do_record_call_event(
            actor=w.p.counsellor,
            call_ref="sw-outside-1",
            kind="answered",
            occurred_at=timezone.now(),
            waited_seconds=12,
            seat_code="A01",
            caller_number="01062345678",
        ),
        True,
    ),
    "xinyuan.hotline.actions.break_glass.do_open_break_glass": (
        lambda w: break_glass_actions.do_open_break_glass(
            actor=w.p.outsider_supervisor, contacts=[w.high], reason="来电者有极高风险，需了解情况"
        ),
        True,
    ),
    "xinyuan.hotline.actions.break_glass.do_review_break_glass": (_review_break_glass, True),
    "xinyuan.hotline.actions.disclosures.do_record_disclosure": (
        lambda w: disclosure_actions.do_record_disclosure(
            actor=w.p.counsellor,
            contact=w.high,
            kind="danger_to_self",
            disclosed_to="120急救中心",
            reason="来电者已服药，通知急救",
        ),  # fmt: skip
        True,
    ),
    "xinyuan.hotline.actions.notes.do_reveal_notes": (
        lambda w: notes_actions.do_reveal_notes(
            actor=w.p.director, contact=w.contact, reason="处理家属投诉，需核实记录"
        ),
        True,
    ),
    "xinyuan.hotline.actions.retention.do_set_legal_hold": (
        lambda w: retention_actions.do_set_legal_hold(
            actor=w.p.director, contact=w.contact, hold=True, reason="法院调取材料（2026）民初12号"
        ),
        True,
    ),
    "xinyuan.hotline.actions.retention.do_anonymise_person_on_request": (
        _anonymise_on_request,
        True,
    ),
    "xinyuan.hotline.actions.seats.do_add_seat": (
        lambda w: seat_actions.do_add_seat(actor=w.p.admin, code="B01"),
        True,
    ),
    "xinyuan.hotline.actions.seats.do_rename_seat": (
        lambda w: seat_actions.do_rename_seat(
            actor=w.p.director, seat=w.p.seat, code="A01-1", seen_at=None
        ),
        True,
    ),
    "xinyuan.hotline.actions.seats.do_set_seat_in_use": (
        lambda w: seat_actions.do_set_seat_in_use(actor=w.p.admin, seat=w.p.seat, in_use=False),
        True,
    ),
    # assessments
    "xinyuan.assessments.actions.do_submit": (
        lambda w: assessment_actions.do_submit(
            scale_code="gad7",
            answers=[1] * 7,
            organisation=w.p.org,
            submission_key="k2",
            language="zh-hans",
        ),  # fmt: skip
        True,
    ),
    "xinyuan.assessments.actions.do_request_callback": (
        lambda w: assessment_actions.do_request_callback(
            assessment=w.result, phone="13900000000", preferred_time="晚上"
        ),
        True,
    ),
    "xinyuan.assessments.actions.do_take_task": (
        lambda w: assessment_actions.do_take_task(actor=w.p.supervisor, task=w.task),
        True,
    ),
    "xinyuan.assessments.actions.do_complete_task": (
        lambda w: assessment_actions.do_complete_task(
            actor=w.p.supervisor, task=w.task, outcome="已回电，情绪平稳"
        ),
        True,
    ),
    "xinyuan.assessments.actions.do_reveal_task_phone": (
        lambda w: (
            assessment_actions.do_request_callback(
                assessment=w.result, phone="13900000000", preferred_time=""
            ),
            assessment_actions.do_reveal_task_phone(actor=w.p.counsellor, task=w.task),
        ),
        True,
    ),
    "xinyuan.assessments.actions.do_create_campaign": (
        lambda w: assessment_actions.do_create_campaign(
            actor=w.p.supervisor,
            name="春季筛查",
            scales=["phq9"],
            groups=[],
            starts_on=date.today(),
            ends_on=date.today(),
            identified=False,
        ),  # fmt: skip
        True,
    ),
    "xinyuan.assessments.actions.do_add_participants": (
        lambda w: assessment_actions.do_add_participants(
            actor=w.p.director, campaign=w.campaign, lines="E-001\nE-002"
        ),
        True,
    ),
    # operations
    "xinyuan.operations.actions.training.do_record_training_session": (_training_session, True),
    "xinyuan.operations.actions.training.do_record_training": (_training, True),
    "xinyuan.operations.actions.training.do_record_supervision_session": (_supervision, True),
    "xinyuan.operations.actions.reviews.do_review_contact": (_review, True),
    "xinyuan.operations.actions.reviews.do_mark_review_seen": (_mark_review_seen, True),
    "xinyuan.operations.actions.complaints.do_submit_feedback": (_submit_feedback, True),
    "xinyuan.operations.actions.complaints.do_record_complaint": (_record_complaint, True),
    "xinyuan.operations.actions.complaints.do_handle_complaint": (_handle_complaint, True),
    # the person's file (CM-01), referrals (CM-05), high-risk reports (CM-06)
    "xinyuan.hotline.actions.person_files.do_open_file_from_contact": (
        lambda w: _file(w, "13800000901"),
        True,
    ),
    "xinyuan.hotline.actions.person_files.do_link_contact_to_file": (
        lambda w: __import__(
            "xinyuan.hotline.actions.person_files", fromlist=["x"]
        ).do_link_contact_to_file(
            actor=w.p.counsellor,
            contact=hotline_actions.do_start_contact(actor=w.p.counsellor, channel="walk_in"),
            person=_file(w, "13800000902"),
        ),
        True,
    ),
    F + "do_open_file": (
        lambda w: _files().do_open_file(
            actor=w.p.counsellor, person=fresh(w, "13800000903").person
        ),
        True,
    ),
    F + "do_update_file": (
        lambda w: (
            lambda f: _files().do_update_file(
                actor=w.p.counsellor,
                person=f,
                data={"alias": "小李", "name": "李四"},
                version=_version(f),
            )
        )(_file(w, "13800000904")),
        True,
    ),
    F + "do_reveal_file_details": (
        lambda w: _files().do_reveal_file_details(
            actor=w.p.counsellor, person=_file(w, "13800000905"), reason="回访联系"
        ),
        True,
    ),
    F + "do_set_intervention_level": (
        lambda w: (
            lambda f: _files().do_set_intervention_level(
                actor=w.p.counsellor, person=f, level=1, reason="", version=_version(f)
            )
        )(_file(w, "13800000906")),
        True,
    ),
    F + "do_change_case_status": (
        lambda w: (
            lambda f: _files().do_change_case_status(
                actor=w.p.counsellor, person=f, status="active", reason="", version=_version(f)
            )
        )(_file(w, "13800000907")),
        True,
    ),
    F + "do_assign_file": (
        lambda w: (
            lambda f: _files().do_assign_file(
                actor=w.p.supervisor, person=f, worker=w.p.counsellor_b, version=_version(f)
            )
        )(_file(w, "13800000908")),
        True,
    ),
    F + "do_add_file_note": (
        lambda w: _files().do_add_file_note(
            actor=w.p.counsellor, person=_file(w, "13800000909"), text="家属来电"
        ),
        True,
    ),
    F + "do_create_referral": (lambda w: _referral(w, "13800000910"), True),
    F + "do_update_referral": (
        lambda w: _files().do_update_referral(
            actor=w.p.counsellor,
            referral=_referral(w, "13800000911"),
            status="accepted",
            version=1,
        ),
        True,
    ),
    F + "do_file_community_report": (lambda w: _community_report(w, "13800000912"), True),
    F + "do_acknowledge_community_report": (
        lambda w: _files().do_acknowledge_community_report(
            actor=w.p.counsellor, report=_community_report(w, "13800000913"), by_name="张主任"
        ),
        True,
    ),
    F + "do_close_community_report": (
        lambda w: _files().do_close_community_report(
            actor=w.p.counsellor, report=_community_report(w, "13800000914"), note="已住院"
        ),
        True,
    ),
    "xinyuan.cases.actions.policy.do_save_follow_up_policy": (
        lambda w: _policy().do_save_follow_up_policy(
            actor=w.p.director,
            data={"schedule_days": [1, 7], "programme_every_days": 90, "intensified_every_days": 3},
            version=0,
        ),
        True,
    ),
    "xinyuan.cases.actions.policy.do_book_next_by_policy": (_book_next, True),
    "xinyuan.cases.actions.policy.do_book_file_follow_up": (
        lambda w: _policy().do_book_file_follow_up(
            actor=w.p.counsellor,
            person=_file(w, "13800000922"),
            due_at=timezone.now() + timedelta(days=3),
            assigned_to=w.p.counsellor,
            consent_given=True,
        ),
        True,
    ),
    "xinyuan.cases.actions.policy.do_escalate_overdue_follow_ups": (_escalate, True),
    "xinyuan.cases.actions.merge.do_merge_persons": (
        lambda w: _merge(w, "13800000930", "13800000931"),
        True,
    ),
    "xinyuan.cases.actions.merge.do_undo_merge": (
        lambda w: __import__("xinyuan.cases.actions.merge", fromlist=["x"]).do_undo_merge(
            actor=w.p.supervisor, merge=_merge(w, "13800000932", "13800000933")
        ),
        True,
    ),
    F + "do_add_need": (
        lambda w: _files().do_add_need(
            actor=w.p.counsellor,
            person=_file(w, "13800000940"),
            data={"kind": "living", "description": "独居，缺少照料"},
        ),
        True,
    ),
    F + "do_update_need": (
        lambda w: _files().do_update_need(
            actor=w.p.counsellor,
            need=_files().do_add_need(
                actor=w.p.counsellor,
                person=_file(w, "13800000941"),
                data={"kind": "financial", "description": "失业"},
            ),
            status="met",
        ),
        True,
    ),
    # The intervention plan (CM-03) and care teams (CM-08).
    "xinyuan.cases.actions.plans.do_create_plan": (lambda w: _plan(w, "13800000942"), True),
    "xinyuan.cases.actions.plans.do_update_plan": (
        lambda w: (
            lambda plan: _plans().do_update_plan(
                actor=w.p.counsellor,
                plan=plan,
                data={"approaches": ["family"], "goals": "改善家庭沟通"},
                version=plan.version,
            )
        )(_plan(w, "13800000943")),
        True,
    ),
    "xinyuan.cases.actions.plans.do_end_plan": (
        lambda w: (
            lambda plan: _plans().do_end_plan(
                actor=w.p.counsellor,
                plan=plan,
                status="completed",
                outcome="目标达成",
                version=plan.version,
            )
        )(_plan(w, "13800000944")),
        True,
    ),
    "xinyuan.cases.actions.plans.do_record_session": (
        lambda w: _plans().do_record_session(
            actor=w.p.counsellor,
            plan=_plan(w, "13800000945"),
            data={
                "held_at": timezone.now(),
                "approach": "individual",
                "minutes": 50,
                "summary": "情绪稳定训练",
            },
        ),
        True,
    ),
    "xinyuan.cases.actions.teams.do_save_team": (
        lambda w: _teams().do_save_team(
            actor=w.p.supervisor,
            data={"name": f"救援队{timezone.now().timestamp()}", "members": [w.p.counsellor]},
        ),
        True,
    ),
    # directory
    "xinyuan.directory.actions.do_create_institution": (lambda w: _institution(w, "甲"), True),
    "xinyuan.directory.actions.do_update_institution": (
        lambda w: _directory().do_update_institution(
            actor=w.p.director,
            institution=_institution(w, "乙"),
            data={"hours": "24 小时"},
            expected_version=1,
        ),
        True,
    ),
    "xinyuan.directory.actions.do_set_institution_active": (
        lambda w: _directory().do_set_institution_active(
            actor=w.p.supervisor, institution=_institution(w, "丙"), active=False
        ),
        True,
    ),
    "xinyuan.directory.actions.do_import_institutions": (
        lambda w: _directory().do_import_institutions(
            actor=w.p.supervisor,
            rows=[(2, ("丁", "学校", "", "", "110")), (3, ("甲", "学校", "", "", "120"))],
        ),
        True,
    ),
    # reports
    "xinyuan.reports.actions.do_sign_off_work_report": (
        lambda w: report_actions.do_sign_off_work_report(
            actor=w.p.director, period=period_for("month", date(2026, 1, 1))
        ),
        True,
    ),
    # The report rollup is a cache of figures, not a record: not audited (decision 0017); each
    # chunk of days commits in its own transaction.
    "xinyuan.reports.actions.do_refresh_report_rollup": (
        lambda w: report_actions.do_refresh_report_rollup(
            [w.p.org.pk], date(2026, 1, 1), date(2026, 2, 15)
        ),
        False,
    ),
    "xinyuan.reports.actions.do_refresh_outstanding": (
        lambda w: report_actions.do_refresh_outstanding(max_days=40),
        False,
    ),
}


# The rota (operations) -----------------------------------------------------------------------


def _rota(w, n: int):
    """Trained people (once) and a new seat and day for the ``n``-th rota entry."""
    from xinyuan.hotline.models import Seat
    from xinyuan.operations.tests.factories import trained

    if not getattr(w, "rota_ready", False):
        trained(w.p.counsellor, w.p.counsellor_b)
        w.rota_ready = True
    seat = Seat.objects.create(organisation=w.p.org, code=f"R{n:02}")
    return seat, timezone.localdate() + timedelta(days=2 + n)


def _rota_shift(w, n: int, user=None):
    from xinyuan.operations.tests.factories import at, shift

    seat, day = _rota(w, n)
    return shift(seat, at(day, 8), hours=4, user=user)


def _rota_request(w, n: int, accepted: bool = False):
    from xinyuan.operations.actions import rota

    request = rota.do_ask_shift_change(
        actor=w.p.counsellor, shift=_rota_shift(w, n, w.p.counsellor), kind="substitute"
    )
    if accepted:
        rota.do_accept_shift_request(actor=w.p.counsellor_b, request=request)
    return request


def _rota_window(w, weekday: int):
    from datetime import time

    from xinyuan.operations.actions import rota

    return rota.do_add_service_window(
        actor=w.p.director, weekday=weekday, starts_at=time(8), ends_at=time(12), min_seats=2
    )


def _rota_template(w, n: int):
    from datetime import time

    from xinyuan.operations.actions import rota

    seat, _day = _rota(w, n)
    return rota.do_add_shift_template(
        actor=w.p.supervisor, weekday=3, starts_at=time(8), ends_at=time(12), seat=seat,
        default_user=w.p.counsellor,
    )  # fmt: skip


def _rota_gaps(w):
    from xinyuan.accounts.models import User
    from xinyuan.operations.actions import rota

    User.objects.filter(pk=w.p.director.pk).update(email="director@example.org")
    rota.do_set_round_the_clock(actor=w.p.director, min_seats=2)
    before = AuditEvent.objects.count()
    sent = rota.do_notify_coverage_gaps()
    assert sent == 1 and AuditEvent.objects.count() == before + 1, "told once, audited"
    return sent


def _rota_call(name: str):
    from xinyuan.operations.actions import rota

    return getattr(rota, name)


R = "xinyuan.operations.actions.rota."
ROTA_CALLS: dict[str, tuple[Callable[[SimpleNamespace], object], bool]] = {
    R + "do_add_service_window": (lambda w: _rota_window(w, 0), True),
    R + "do_remove_service_window": (
        lambda w: _rota_call("do_remove_service_window")(
            actor=w.p.director, window=_rota_window(w, 1)
        ),
        True,
    ),
    R + "do_set_round_the_clock": (
        lambda w: _rota_call("do_set_round_the_clock")(actor=w.p.director, min_seats=2),
        True,
    ),
    R + "do_add_shift_template": (lambda w: _rota_template(w, 1), True),
    R + "do_remove_shift_template": (
        lambda w: _rota_call("do_remove_shift_template")(
            actor=w.p.supervisor, template=_rota_template(w, 2)
        ),
        True,
    ),
    R + "do_apply_shift_templates": (
        lambda w: _rota_call("do_apply_shift_templates")(
            actor=w.p.supervisor, week_of=timezone.localdate() + timedelta(days=21)
        ),
        True,
    ),
    R + "do_add_shift": (
        lambda w: _rota_call("do_add_shift")(
            actor=w.p.supervisor,
            seat=_rota(w, 3)[0],
            starts_at=timezone.now() + timedelta(days=30),
            ends_at=timezone.now() + timedelta(days=30, hours=4),
            person=w.p.counsellor,
        ),
        True,
    ),
    R + "do_assign_shift": (
        lambda w: _rota_call("do_assign_shift")(
            actor=w.p.supervisor, shift=_rota_shift(w, 4), person=w.p.counsellor_b
        ),
        True,
    ),
    R + "do_sign_up_for_shift": (
        lambda w: _rota_call("do_sign_up_for_shift")(actor=w.p.counsellor, shift=_rota_shift(w, 5)),
        True,
    ),
    R + "do_ask_shift_change": (lambda w: _rota_request(w, 6), True),
    R + "do_accept_shift_request": (lambda w: _rota_request(w, 7, accepted=True), True),
    R + "do_decline_shift_request": (
        lambda w: _rota_call("do_decline_shift_request")(
            actor=w.p.counsellor_b,
            request=_rota_call("do_ask_shift_change")(
                actor=w.p.counsellor,
                shift=_rota_shift(w, 8, w.p.counsellor),
                kind="substitute",
                colleague=w.p.counsellor_b,
            ),
        ),
        True,
    ),
    R + "do_withdraw_shift_request": (
        lambda w: _rota_call("do_withdraw_shift_request")(
            actor=w.p.counsellor, request=_rota_request(w, 9)
        ),
        True,
    ),
    R + "do_decide_shift_request": (
        lambda w: _rota_call("do_decide_shift_request")(
            actor=w.p.supervisor, request=_rota_request(w, 10, accepted=True), approve=True
        ),
        True,
    ),
    R + "do_notify_coverage_gaps": (_rota_gaps, True),
}
CALLS.update(ROTA_CALLS)


class ActionsOutsideTransactionsTests(ProductionTransactionTestCase):
    def test_every_action_has_an_entry(self):
        missing = sorted(set(discovered_actions()) - set(CALLS))
        self.assertEqual(missing, [], "actions without an entry in CALLS")
        stale = sorted(set(CALLS) - set(discovered_actions()))
        self.assertEqual(stale, [], "entries for actions that no longer exist")

    def test_every_action_commits_with_its_audit_event_outside_a_transaction(self):
        w = world()
        self.assertFalse(connection.in_atomic_block, "no wrapping transaction here")
        for name, (call, audited) in CALLS.items():
            with self.subTest(action=name):
                before = AuditEvent.objects.count()
                call(w)
                self.assertFalse(connection.in_atomic_block)
                if audited:
                    self.assertGreater(AuditEvent.objects.count(), before, "no audit event")
