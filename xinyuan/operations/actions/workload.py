"""Writes of running the centre: each validated, atomic, audited in the same transaction."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinyuan.audit.actions import record
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.operations.access import decide_workload
from xinyuan.operations.models import WorkloadLimits

# Load and burn-out signals (OP-02) ------------------------------------------------------------

# The bounds a centre's limits must stay within. A minimum rest above 24 hours is not a daily
# rest; the workload page reads a day of shifts either side of the week, which is enough for any
# rest up to 24 hours.
MAX_HOURS_PER_WEEK = Decimal(168)
MAX_NIGHT_SHIFTS_PER_WEEK = 7
MAX_REST_HOURS = Decimal(24)
MAX_HIGH_RISK_CONTACTS_PER_WEEK = 1000

LIMIT_FIELDS = (
    "max_hours_per_week",
    "max_night_shifts_per_week",
    "min_rest_hours",
    "max_high_risk_contacts_per_week",
)


def _decimal(value) -> Decimal | None:
    text = str(value).strip()
    if len(text) > 20:  # no limit needs more; a pasted page is not a number
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def check_workload_limits(values: dict) -> dict:
    """The four limits, cleaned, or a ValidationError naming each problem in the user's words.
    Hours take one decimal (37.5); night shifts and high-risk contacts are whole numbers."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}

    hours = _decimal(values.get("max_hours_per_week"))
    if hours is None:
        errors["max_hours_per_week"] = [_("Enter the hours as a number, for example 40.")]
    elif hours <= 0 or hours > MAX_HOURS_PER_WEEK:
        errors["max_hours_per_week"] = [
            _("The hours per week must be more than 0 and at most %(max)s.")
            % {"max": MAX_HOURS_PER_WEEK}
        ]
    elif hours != hours.quantize(Decimal("0.1")):
        errors["max_hours_per_week"] = [_("Give the hours to at most one decimal place.")]
    else:
        cleaned["max_hours_per_week"] = hours.quantize(Decimal("0.1"))

    rest = _decimal(values.get("min_rest_hours"))
    if rest is None:
        errors["min_rest_hours"] = [_("Enter the rest as a number of hours, for example 11.")]
    elif rest < 0 or rest > MAX_REST_HOURS:
        errors["min_rest_hours"] = [
            _("The minimum rest must be between 0 and %(max)s hours.") % {"max": MAX_REST_HOURS}
        ]
    elif rest != rest.quantize(Decimal("0.1")):
        errors["min_rest_hours"] = [_("Give the hours to at most one decimal place.")]
    else:
        cleaned["min_rest_hours"] = rest.quantize(Decimal("0.1"))

    for name, maximum in (
        ("max_night_shifts_per_week", MAX_NIGHT_SHIFTS_PER_WEEK),
        ("max_high_risk_contacts_per_week", MAX_HIGH_RISK_CONTACTS_PER_WEEK),
    ):
        number = _decimal(values.get(name))
        if number is None or number != number.to_integral_value():
            errors[name] = [_("Enter a whole number.")]
        elif number < 0 or number > maximum:
            errors[name] = [_("Enter a whole number from 0 to %(max)s.") % {"max": maximum}]
        else:
            cleaned[name] = int(number)

    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def do_set_workload_limits(*, actor, **values) -> WorkloadLimits:
    """Set the centre's limits on each person's weekly load (the director). Only what changed
    is audited; saving the same values again writes nothing."""
    if not decide_workload(actor).can_set_limits:
        raise PermissionDeniedError
    unknown = set(values) - set(LIMIT_FIELDS)
    if unknown:
        raise TypeError(f"unknown workload limits: {sorted(unknown)}")
    cleaned = check_workload_limits(values)
    limits = (
        WorkloadLimits.objects.select_for_update()
        .filter(organisation_id=actor.organisation_id)
        .first()
    )
    if limits is None:
        limits = WorkloadLimits(organisation_id=actor.organisation_id, updated_by=actor)
        for name in LIMIT_FIELDS:
            setattr(limits, name, cleaned[name])
        limits.save()
        record(
            actor=actor,
            action="create",
            target=limits,
            changes={name: cleaned[name] for name in LIMIT_FIELDS},
        )
        return limits
    changes = {
        name: [getattr(limits, name), cleaned[name]]
        for name in LIMIT_FIELDS
        if getattr(limits, name) != cleaned[name]
    }
    if changes:
        for name in changes:
            setattr(limits, name, cleaned[name])
        limits.updated_by = actor
        limits.save(update_fields=[*changes, "updated_by", "updated_at"])
        record(actor=actor, action="update", target=limits, changes=changes)
    return limits
