"""The reports app's one write: the director signs the work report of a period."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts.models import Organisation
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.reports.models import WorkReportSignOff
from xinyuan.reports.rules import Period


@transaction.atomic
def do_sign_off_work_report(*, actor, period: Period) -> WorkReportSignOff:
    """Record that the centre's director confirmed the figures of ``period`` (audited). A
    period is signed once; signing a period that has not ended yet is refused."""
    if not permissions.has_perm(actor, permissions.SIGN_OFF_WORK_REPORT):
        raise PermissionDenied
    # One sign-off at a time per centre (a double click waits here, then finds the first).
    Organisation.objects.select_for_update().filter(pk=actor.organisation_id).first()
    if period.last >= timezone.localdate():
        raise ValidationError(_("A period can be signed off only after it has ended."))
    if WorkReportSignOff.objects.filter(
        organisation_id=actor.organisation_id, first_day=period.first, last_day=period.last
    ).exists():
        raise ValidationError(_("This work report has already been signed off."))
    sign_off = WorkReportSignOff.objects.create(
        organisation_id=actor.organisation_id,
        period_kind=period.kind,
        first_day=period.first,
        last_day=period.last,
        signed_by=actor,
        signed_at=timezone.now(),
    )
    record(
        actor=actor,
        action="sign_off",
        target=sign_off,
        changes={"period": period.label, "from": period.first, "to": period.last},
    )
    return sign_off
