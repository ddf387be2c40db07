"""What operations adds to the hotline's pages (``hotline.extensions``): the warning on a
counsellor's workstation when their training runs out, the coverage notice on the workstation of
those who build the rota or hear of its gaps (hours of the next 14 days below the promised
seats), and the "review this call" link on a closed contact of a colleague."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.core.locale import join_list
from xinyuan.hotline import extensions
from xinyuan.operations import rules, selectors
from xinyuan.operations.access import decide_contact_review, decide_rota


def training_notices(user) -> list[extensions.Notice]:
    """Required training of the user's own that is expiring within 30 days, expired or
    missing."""
    warnings = selectors.training_warnings_for(user)
    if not warnings:
        return []
    expiring = [w for w in warnings if w.state == rules.TrainingState.EXPIRING]
    lapsed = [w for w in warnings if w.state != rules.TrainingState.EXPIRING]
    parts = []
    if expiring:
        # Topics that run out on the same day are named together, the date once: a whole
        # course taken together expires together.
        by_date: dict = {}
        for w in expiring:
            by_date.setdefault(w.expires_on, []).append(w.label)
        parts.append(
            _("Your training expires soon: %(topics)s.")
            % {
                "topics": join_list(
                    _("%(topic)s (until %(date)s)")
                    % {"topic": join_list(labels), "date": day.isoformat()}
                    for day, labels in sorted(by_date.items())
                )
            }
        )
    if lapsed:
        parts.append(
            _("Required training expired or missing: %(topics)s.")
            % {"topics": join_list(w.label for w in lapsed)}
        )
    return [
        extensions.Notice(
            text=" ".join(parts),
            url=reverse("operations:my-training"),
            link_text=_("See my training"),
            level="danger" if lapsed else "warning",
            testid="training-warning",
        )
    ]


def review_links(access) -> list[extensions.Link]:
    if not decide_contact_review(access).can_review:
        return []
    return [
        extensions.Link(
            text=_("Review this call"),
            url=reverse("operations:review-add", args=[access.contact.public_id]),
            testid="review-contact",
        )
    ]


def coverage_notice(user) -> tuple[str, dict] | None:
    access = decide_rota(user)
    if not (access.hears_of_gaps or access.can_manage):
        return None
    hours = selectors.coverage_for(user.organisation_id)
    gaps = [h for h in hours if h.is_gap]
    return (
        "operations/partials/_coverage_notice.html",
        {"gap_hours": len(gaps), "next_gap": gaps[0] if gaps else None},
    )


def register() -> None:
    extensions.register_workstation_notices(training_notices)
    extensions.register_contact_links(review_links)
    extensions.register_workstation_panel(coverage_notice)
