"""The hotline's part of a person's timeline (``cases.timeline``): the person's contacts and
the suicide-risk assessments made in them and in their follow-ups. A summary only (date, type,
level, counsellor's work name); the contact's page keeps its own access rule, so the link is
offered only to a user who may open it."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.cases.timeline import Item, after_cursor, register_source
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import Contact, RiskAssessment


def _contacts(user, person, cursor, limit):
    rows = (
        Contact.objects.filter(person=person)
        .filter(after_cursor("contact", cursor, "started_at"))
        .select_related("counsellor")
        .order_by("-started_at", "-pk")[:limit]
    )
    for row in rows:
        yield Item(
            at=row.started_at,
            kind="contact",
            pk=row.pk,
            title=_("%(type)s %(number)s · %(channel)s · %(counsellor)s")
            % {
                "type": row.get_contact_type_display(),
                "number": row.number,
                "channel": row.get_channel_display(),
                "counsellor": row.counsellor.work_name,
            },
            detail=row.get_outcome_display() if row.outcome else "",
            level=row.risk_level,
            level_label=row.get_risk_level_display() if row.risk_level else "",
            url=reverse("hotline:contact-detail", args=[row.public_id])
            if decide_contact(user, row).can_view
            else "",
            public_id=str(row.public_id),
        )


def _assessments(user, person, cursor, limit):
    # Two indexed reads (through the contacts, through the follow-ups) rather than one OR
    # across two joins, which PostgreSQL answers with a scan of every assessment.
    after = after_cursor("risk", cursor, "created_at")
    found = []
    for link in (Q(contact__person=person), Q(follow_up__person=person)):
        found.extend(
            RiskAssessment.objects.filter(link)
            .filter(after)
            .select_related("assessed_by")
            .order_by("-created_at", "-pk")[:limit]
        )
    rows = sorted({r.pk: r for r in found}.values(), key=lambda r: (r.created_at, r.pk))
    rows = list(reversed(rows))[:limit]
    for row in rows:
        where = _("in a follow-up") if row.follow_up_id else _("in a contact")
        detail = ""
        if row.final_level != row.derived_level:
            detail = _("The counsellor judged %(final)s; the rule derived %(derived)s.") % {
                "final": row.get_final_level_display(),
                "derived": row.get_derived_level_display(),
            }
        yield Item(
            at=row.created_at,
            kind="risk",
            pk=row.pk,
            title=_("Suicide-risk assessment %(where)s · %(who)s")
            % {"where": where, "who": row.assessed_by.work_name},
            detail=detail,
            level=row.final_level,
            level_label=row.get_final_level_display(),
            public_id=str(row.public_id),
        )


def register() -> None:
    register_source("contact", lambda: _("Contacts"), _contacts)
    register_source("risk", lambda: _("Risk assessments"), _assessments)
