"""Self-test results in a person's timeline (``cases.timeline``): the scale, the score and its
band in words, flagged when a critical item was answered. The link to the person's
mental-health archive is offered to those who may see results."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.assessments.models import SelfAssessment
from xinyuan.assessments.templatetags.assessments_tags import band_label, scale_abbr
from xinyuan.cases.timeline import Item, after_cursor, register_source
from xinyuan.core import permissions


def _self_tests(user, person, cursor, limit):
    rows = (
        SelfAssessment.objects.filter(person=person)
        .filter(after_cursor("self_test", cursor, "created_at"))
        .only("public_id", "created_at", "scale", "total", "band", "flags", "most_severe")
        .order_by("-created_at", "-pk")[:limit]
    )
    archive = ""
    if permissions.has_perm(user, permissions.VIEW_SELF_TEST_RESULTS):
        archive = reverse("assessments:person-archive", args=[person.public_id])
    for row in rows:
        urgent = row.needs_urgent_attention
        yield Item(
            at=row.created_at,
            kind="self_test",
            pk=row.pk,
            title=_("Self-test %(scale)s: %(total)s, %(band)s")
            % {"scale": scale_abbr(row.scale), "total": f"{row.total:g}", "band": band_label(row)},
            detail=_("A critical item was answered.") if urgent else "",
            level="high" if urgent else "",
            level_label=_("Needs attention") if urgent else "",
            url=archive,
            public_id=str(row.public_id),
        )


def register() -> None:
    register_source("self_test", lambda: _("Self-test results"), _self_tests)
