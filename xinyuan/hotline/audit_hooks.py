"""What the audit trail needs to know of the hotline's records (``audit.registry``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from xinyuan.audit import registry
from xinyuan.hotline.clinical_text import NOTE_FIELDS

# Records whose clinical words are sealed under their contact's key.
_CONTACT_PARTS = frozenset(
    {"hotline.riskassessment", "hotline.safetyplan", "hotline.disclosure", "cases.followup"}
)


def contact_subject(target) -> str | None:
    """A contact, and each record that belongs to one, is sealed under the contact's key."""
    label = target._meta.label_lower
    if label == "hotline.contact":
        return f"contact:{target.pk}"
    if label not in _CONTACT_PARTS:
        return None
    contact_id = getattr(target, "contact_id", None)
    if contact_id is None and getattr(target, "follow_up_id", None):
        contact_id = target.follow_up.contact_id
    return f"contact:{contact_id}" if contact_id else None


def _disclosure_kinds() -> dict:
    from xinyuan.hotline.models import DisclosureKind

    return dict(DisclosureKind.choices)


def _person_records(person_pks: list[int]):
    from xinyuan.hotline.models import Contact, RiskAssessment

    yield from Contact.objects.filter(person_id__in=person_pks).values_list("public_id", flat=True)
    yield from RiskAssessment.objects.filter(contact__person_id__in=person_pks).values_list(
        "public_id", flat=True
    )


def _break_glass_queue(user) -> registry.ReviewQueue | None:
    from xinyuan.core import permissions
    from xinyuan.hotline.selectors import break_glass_accesses_for_review

    if not permissions.has_perm(user, permissions.VIEW_AUDIT):
        return None
    return registry.ReviewQueue(
        label=_("Emergency accesses to review"),
        url=reverse("hotline:break-glass-review-list"),
        open_count=break_glass_accesses_for_review(user).filter(reviewed_at__isnull=True).count(),
    )


def register() -> None:
    for label, fields in NOTE_FIELDS.items():
        registry.register_sealed_fields(label, fields)
    registry.register_subject(contact_subject)
    registry.register_value_labels("kind", _disclosure_kinds)
    registry.register_person_records(_person_records)
    registry.register_review_queue(_break_glass_queue)
