"""Reads of the self-assessment feature, scoped to the actor."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, QuerySet

from xinyuan.accounts.models import Organisation
from xinyuan.assessments.models import Campaign, HelpTask, SelfAssessment, TaskStatus
from xinyuan.core import permissions


def portal_organisation() -> Organisation | None:
    """The centre whose public self-test portal this is (``XINYUAN_PORTAL_ORGANISATION``, by
    name; otherwise the first centre)."""
    name = settings.PORTAL_ORGANISATION
    qs = Organisation.objects.order_by("id")
    if name:
        return qs.filter(name=name).first()
    return qs.first()


def tasks_visible_to(user) -> QuerySet[HelpTask]:
    if not permissions.has_perm(user, permissions.HANDLE_SELF_TEST_TASKS):
        return HelpTask.objects.none()
    return HelpTask.objects.filter(organisation_id=user.organisation_id).select_related(
        "assessment", "taken_by"
    )


def open_tasks_for(user) -> QuerySet[HelpTask]:
    """The open tasks, urgent before call-back ("urgent" > "callback"), the oldest first; a
    task folded into another (a flood from one device or network) is listed under it."""
    return (
        tasks_visible_to(user)
        .filter(status=TaskStatus.OPEN, folded_into__isnull=True)
        .order_by("-kind", "created_at")
    )


def done_tasks_for(user) -> QuerySet[HelpTask]:
    return (
        tasks_visible_to(user)
        .filter(status=TaskStatus.DONE, folded_into__isnull=True)
        .order_by("-done_at")
    )


def folded_tasks_of(task: HelpTask) -> QuerySet[HelpTask]:
    """The tasks folded into ``task``, the newest first."""
    return task.folded_tasks.select_related("assessment", "taken_by").order_by("-created_at", "-id")


def results_visible_to(user) -> QuerySet[SelfAssessment]:
    """Individual results: supervisors and directors of the centre."""
    if not permissions.has_perm(user, permissions.VIEW_SELF_TEST_RESULTS):
        return SelfAssessment.objects.none()
    return SelfAssessment.objects.filter(organisation_id=user.organisation_id)


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    if not permissions.has_perm(user, permissions.MANAGE_CAMPAIGNS):
        return Campaign.objects.none()
    return Campaign.objects.filter(organisation_id=user.organisation_id)


def campaign_statistics(campaign: Campaign) -> dict:
    """Participation and the distribution of bands by group, per scale (counts only)."""
    rows = (
        SelfAssessment.objects.filter(campaign=campaign)
        .values("scale", "group", "band")
        .annotate(n=Count("id"))
        .order_by("scale", "group", "band")
    )
    stats: dict = {}
    for row in rows:
        per_scale = stats.setdefault(row["scale"], {})
        per_group = per_scale.setdefault(row["group"] or "", {})
        per_group[row["band"]] = row["n"]
    invited = campaign.participants.count() if campaign.identified else None
    people = (
        SelfAssessment.objects.filter(campaign=campaign, participant__isnull=False)
        .values("participant")
        .distinct()
        .count()
    )
    return {"by_scale": stats, "invited": invited, "took_part": people}


def archive_for(person) -> QuerySet[SelfAssessment]:
    return SelfAssessment.objects.filter(person=person).order_by("created_at", "id")
