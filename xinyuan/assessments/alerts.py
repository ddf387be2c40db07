"""Serious self-test results in the supervisors' alert panel (a source of hotline/alerts.py,
registered in AssessmentsConfig.ready): urgent tasks nobody has taken yet, a flood from one
device or network folded into one line."""

from __future__ import annotations

from django.db.models import CharField, Count, Max, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinyuan.assessments.models import HelpTask, TaskKind, TaskStatus
from xinyuan.core import permissions
from xinyuan.hotline.alerts import URGENT_SELF_TEST, AlertLine, AlertSource, register_alert_source


def _untaken(user):
    if not (
        permissions.has_perm(user, permissions.ACKNOWLEDGE_ALERTS)
        and permissions.has_perm(user, permissions.HANDLE_SELF_TEST_TASKS)
    ):
        return None
    return HelpTask.objects.filter(
        organisation_id=user.organisation_id,
        status=TaskStatus.OPEN,
        kind=TaskKind.URGENT,
        taken_by__isnull=True,
        folded_into__isnull=True,
    )


def _state(user):
    tasks = _untaken(user)
    if tasks is None:
        return None
    return (
        tasks.order_by()
        .values("organisation_id")
        .annotate(
            kind=Value("self_test", output_field=CharField()),
            lines=Count("id"),
            items=Count("id") + Coalesce(Sum("folded_count"), 0),
            last=Max("updated_at"),
        )
        .values_list("kind", "lines", "items", "last")
    )


def _lines(user, limit: int) -> list[AlertLine]:
    tasks = _untaken(user)
    if tasks is None:
        return []
    newest = tasks.select_related("assessment", "newest_assessment").order_by("-created_at", "-id")
    return [
        AlertLine(
            kind="self_test",
            severity=URGENT_SELF_TEST,
            created_at=task.created_at,
            template="assessments/partials/_alert_self_test.html",
            obj=task,
            folded=task.folded_count,
        )
        for task in newest[:limit]
    ]


def register() -> None:
    register_alert_source(
        AlertSource(
            kind="self_test",
            label=_("Serious self-test results"),
            state=_state,
            lines=_lines,
            full_list=lambda: reverse("assessments:task-list"),
            order=10,
        )
    )
