"""What the audit trail needs to know of persons and their records (``audit.registry``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from xinyuan.audit import registry


def _consent_purposes() -> dict:
    from xinyuan.cases.models import ConsentPurpose

    return dict(ConsentPurpose.choices)


def _consent_methods() -> dict:
    from xinyuan.cases.models import ConsentMethod

    return dict(ConsentMethod.choices)


def find_persons(organisation_id, query: str) -> tuple[list[int], list]:
    """A person of the centre by public id or label (an auditor searching the trail)."""
    from xinyuan.cases.models import Person

    people = Person.objects.filter(organisation_id=organisation_id)
    try:
        match = people.filter(Q(public_id=query) | Q(label__iexact=query))
        rows = list(match.values_list("pk", "public_id"))
    except ValidationError:  # not a UUID: search by label only
        rows = list(people.filter(label__iexact=query).values_list("pk", "public_id"))
    return [pk for pk, _id in rows], [public_id for _pk, public_id in rows]


def _person_records(person_pks: list[int]):
    from xinyuan.cases.models import CallerIdentity, CallerNote, FollowUp

    yield from FollowUp.objects.filter(person_id__in=person_pks).values_list("public_id", flat=True)
    yield from CallerIdentity.objects.filter(person_id__in=person_pks).values_list(
        "public_id", flat=True
    )
    yield from CallerNote.objects.filter(person_id__in=person_pks).values_list(
        "public_id", flat=True
    )


def register() -> None:
    registry.register_value_labels("consent_purpose", _consent_purposes)
    registry.register_value_labels("consent_method", _consent_methods)
    registry.register_person_finder(find_persons)
    registry.register_person_records(_person_records)
