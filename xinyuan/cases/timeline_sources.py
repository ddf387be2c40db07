"""The cases app's own timeline sources: file entries, follow-ups, referrals and high-risk
reports (``cases.timeline``). Registered in ``CasesConfig.ready``."""

from __future__ import annotations

from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xinyuan.cases.models import (
    CaseStatus,
    CommunityReport,
    FileEntry,
    FileEntryKind,
    FollowUp,
    FollowUpStatus,
    InterventionApproach,
    InterventionPlan,
    PlanSession,
    PracticalNeed,
    Referral,
)
from xinyuan.cases.timeline import Item, after_cursor, register_source
from xinyuan.core import permissions


def _file_entries(user, person, cursor, limit):
    rows = (
        FileEntry.objects.filter(person=person)
        .filter(after_cursor("file", cursor, "at"))
        .select_related("by")
        .order_by("-at", "-pk")[:limit]
    )
    for row in rows:
        title = row.get_kind_display()
        detail = row.text
        if row.kind == FileEntryKind.LEVEL and row.level:
            title = _("Intervention level set to %(level)s") % {"level": row.get_level_display()}
        elif row.kind == FileEntryKind.STATUS and row.status in CaseStatus.values:
            title = f"{title}{pgettext('label suffix', ': ')}{CaseStatus(row.status).label}"
        yield Item(
            at=row.at,
            kind="file",
            pk=row.pk,
            title=f"{title} · {row.by.work_name}",
            detail=detail,
            public_id=str(row.public_id),
            extra={"entry_kind": row.kind},
        )


def _follow_ups(user, person, cursor, limit):
    # The link to record it: as the follow-up list offers it (the worker, or the whole centre's
    # supervisors); the page itself decides again.
    whole_centre = permissions.has_perm(user, permissions.VIEW_ORG_CONTACTS)
    # A follow-up stands at the time it was done, or while scheduled at the time it is due.
    rows = (
        FollowUp.objects.filter(person=person)
        .annotate(at=Coalesce("done_at", "due_at"))
        .filter(after_cursor("follow_up", cursor, "at"))
        .select_related("assigned_to")
        .order_by("-at", "-pk")[:limit]
    )
    for row in rows:
        may_record = whole_centre or row.assigned_to_id == user.pk
        if row.status == FollowUpStatus.SCHEDULED:
            title = _("Follow-up due · %(worker)s") % {"worker": row.assigned_to.work_name}
        else:
            title = _("Follow-up %(status)s · %(worker)s") % {
                "status": row.get_status_display(),
                "worker": row.assigned_to.work_name,
            }
        yield Item(
            at=row.at,
            kind="follow_up",
            pk=row.pk,
            title=title,
            detail=row.get_safety_status_display() if row.safety_status else "",
            level=row.risk_level,
            level_label=row.get_risk_level_display() if row.risk_level else "",
            url=reverse("hotline:follow-up-record", args=[row.public_id])
            if row.status == FollowUpStatus.SCHEDULED and may_record
            else "",
            public_id=str(row.public_id),
            extra={"status": row.status},
        )


def _referrals(user, person, cursor, limit):
    rows = (
        Referral.objects.filter(person=person)
        .filter(after_cursor("referral", cursor, "sent_at"))
        .select_related("institution")
        .order_by("-sent_at", "-pk")[:limit]
    )
    for row in rows:
        yield Item(
            at=row.sent_at,
            kind="referral",
            pk=row.pk,
            title=_("%(kind)s to %(institution)s · %(status)s")
            % {
                "kind": row.get_kind_display(),
                "institution": row.institution.name,
                "status": row.get_status_display(),
            },
            detail=row.reason,
            public_id=str(row.public_id),
            extra={"status": row.status, "green_channel": row.green_channel},
        )


def _community_reports(user, person, cursor, limit):
    rows = (
        CommunityReport.objects.filter(person=person)
        .filter(after_cursor("report", cursor, "reported_at"))
        .select_related("reported_by")
        .order_by("-reported_at", "-pk")[:limit]
    )
    for row in rows:
        state = (
            _("closed")
            if row.closed_at
            else (_("acknowledged") if row.acknowledged_at else _("not yet acknowledged"))
        )
        yield Item(
            at=row.reported_at,
            kind="report",
            pk=row.pk,
            title=_("High-risk report to %(to)s · %(state)s")
            % {"to": row.street_contact, "state": state},
            detail=row.risk,
            level="high",
            level_label=_("High"),
            public_id=str(row.public_id),
        )


def _needs(user, person, cursor, limit):
    rows = (
        PracticalNeed.objects.filter(person=person)
        .filter(after_cursor("need", cursor, "created_at"))
        .select_related("institution")
        .order_by("-created_at", "-pk")[:limit]
    )
    for row in rows:
        linked = row.institution.name if row.institution_id else row.resource
        yield Item(
            at=row.created_at,
            kind="need",
            pk=row.pk,
            title=_("Practical need (%(kind)s) · %(status)s")
            % {"kind": row.get_kind_display(), "status": row.get_status_display()},
            detail=f"{row.description} → {linked}" if linked else row.description,
            public_id=str(row.public_id),
        )


def _plans(user, person, cursor, limit):
    rows = (
        InterventionPlan.objects.filter(person=person)
        .filter(after_cursor("plan", cursor, "created_at"))
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:limit]
    )
    labels = dict(InterventionApproach.choices)
    for row in rows:
        approaches = pgettext("list separator", ", ").join(
            str(labels.get(a, a)) for a in row.approaches
        )
        yield Item(
            at=row.created_at,
            kind="plan",
            pk=row.pk,
            title=_("Intervention plan (%(approaches)s) · %(status)s · %(worker)s")
            % {
                "approaches": approaches,
                "status": row.get_status_display(),
                "worker": row.created_by.work_name,
            },
            detail=f"{row.goals}\n{row.outcome}" if row.outcome else row.goals,
            public_id=str(row.public_id),
        )


def _sessions(user, person, cursor, limit):
    # What was said in a session is clinical text: shown to those who read clinical notes by
    # role (counsellors, supervisors), like a contact's notes; others see that it took place.
    clinical = permissions.has_perm(user, permissions.READ_CLINICAL_NOTES)
    rows = (
        PlanSession.objects.filter(plan__person=person)
        .filter(after_cursor("session", cursor, "held_at"))
        .select_related("by")
        .order_by("-held_at", "-pk")[:limit]
    )
    for row in rows:
        title = _("%(approach)s session, %(minutes)s min · %(worker)s") % {
            "approach": row.get_approach_display(),
            "minutes": row.minutes,
            "worker": row.by.work_name,
        }
        if row.progress:
            title = f"{title} · {row.get_progress_display()}"
        yield Item(
            at=row.held_at,
            kind="session",
            pk=row.pk,
            title=title,
            detail=(f"{row.participants}\n{row.summary}" if row.participants else row.summary)
            if clinical
            else "",
            public_id=str(row.public_id),
        )


def register() -> None:
    register_source("file", lambda: _("File entries"), _file_entries)
    register_source("follow_up", lambda: _("Follow-ups"), _follow_ups)
    register_source("referral", lambda: _("Referrals"), _referrals)
    register_source("report", lambda: _("High-risk reports"), _community_reports)
    register_source("need", lambda: _("Practical needs"), _needs)
    register_source("plan", lambda: _("Intervention plans"), _plans)
    register_source("session", lambda: _("Sessions"), _sessions)
