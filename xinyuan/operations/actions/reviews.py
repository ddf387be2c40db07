"""Call reviews (评价考核): a supervisor rates a colleague's closed contact with the rubric —
the five-stage process, attitude, communication and the quality of the suicide-risk assessment
— and the counsellor reads the feedback. Each review and the counsellor's first reading of it
are audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.access import decide_contact
from xinyuan.hotline.models import Contact
from xinyuan.operations.access import decide_contact_review, decide_review
from xinyuan.operations.models import CallReview

COMMENTS_MAX_LENGTH = 2000
SCORE_FIELDS = ("process_score", "attitude_score", "communication_score")


def _score(value, field: str, errors: dict) -> int | None:
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        errors[field] = [_("Give a score from 1 to 5.")]
        return None
    return score


@transaction.atomic
def do_review_contact(
    *,
    actor,
    contact: Contact,
    process_score,
    attitude_score,
    communication_score,
    risk_assessment_score=None,
    comments: str = "",
) -> CallReview:
    """Rate a closed contact of a colleague, once per reviewer. The suicide-risk assessment may
    be left unrated (None) only when the call had none: a contact with a risk level has one."""
    review_access = decide_contact_review(decide_contact(actor, contact))
    if not review_access.can_review:
        raise PermissionDeniedError(review_access.refusal)
    errors: dict[str, list[str]] = {}
    scores = {
        "process_score": _score(process_score, "process_score", errors),
        "attitude_score": _score(attitude_score, "attitude_score", errors),
        "communication_score": _score(communication_score, "communication_score", errors),
    }
    risk = None
    if risk_assessment_score in (None, ""):
        if contact.risk_level:
            errors["risk_assessment_score"] = [
                _(
                    "This call had a suicide-risk assessment: rate it "
                    "(not applicable only when none was needed)."
                )
            ]
    else:
        risk = _score(risk_assessment_score, "risk_assessment_score", errors)
    comments = (comments or "").strip()
    if len(comments) > COMMENTS_MAX_LENGTH:
        errors["comments"] = [
            _("Keep the comments to %(max)s characters or fewer.") % {"max": COMMENTS_MAX_LENGTH}
        ]
    if CallReview.objects.filter(contact=contact, reviewer=actor).exists():
        errors["__all__"] = [_("You have already reviewed this contact.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            review = CallReview.objects.create(
                organisation_id=contact.organisation_id,
                contact=contact,
                reviewer=actor,
                counsellor_id=contact.counsellor_id,
                risk_assessment_score=risk,
                comments=comments,
                **scores,
            )
    except IntegrityError as exc:  # the same reviewer twice at once
        raise ValidationError(_("You have already reviewed this contact.")) from exc
    record(
        actor=actor,
        action="create",
        target=review,
        changes={
            "contact": contact.number,
            "counsellor_id": contact.counsellor_id,
            **scores,
            "risk_assessment_score": risk,
        },
    )
    return review


@transaction.atomic
def do_mark_review_seen(*, actor, review: CallReview) -> CallReview:
    """The counsellor opened their review: it is no longer marked unread. Only their own; a
    second opening changes nothing."""
    locked = CallReview.objects.select_for_update().get(pk=review.pk)
    access = decide_review(actor, locked)
    if not access.is_for_me:
        raise PermissionDeniedError(_("Only the counsellor of the contact marks it as read."))
    if locked.seen_by_counsellor_at is None:
        locked.seen_by_counsellor_at = timezone.now()
        locked.save(update_fields=["seen_by_counsellor_at", "updated_at"])
        record(
            actor=actor,
            action="view",
            target=locked,
            changes={"seen_by_counsellor_at": locked.seen_by_counsellor_at},
        )
    review.seen_by_counsellor_at = locked.seen_by_counsellor_at
    return locked
