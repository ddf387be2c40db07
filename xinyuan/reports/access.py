"""Who sees which report: a director their centre, a health-commission officer the region's
centres aggregated (no counsellor, no person), nobody else anything."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from xinyuan.accounts.models import Organisation
from xinyuan.core import permissions
from xinyuan.reports.replica import report_database


@dataclass(frozen=True)
class ReportScope:
    organisations: tuple[Organisation, ...]
    # The reporting unit: the centre, or the region for a health-commission officer.
    unit_name: str
    is_region: bool
    # Figures by counsellor name people: the centre's own director only.
    can_see_counsellors: bool
    # The director records the in-app sign-off of their centre's work report.
    can_sign_off: bool

    @property
    def organisation_ids(self) -> list[int]:
        return [org.pk for org in self.organisations]

    @property
    def single(self) -> Organisation | None:
        return (
            self.organisations[0] if len(self.organisations) == 1 and not self.is_region else None
        )


def access_reports(user) -> ReportScope:
    """The actor's report scope, or PermissionDenied. One query (the centres)."""
    if not permissions.has_perm(user, permissions.VIEW_STATISTICS):
        raise PermissionDenied
    orgs = Organisation.objects.using(report_database()).order_by("name")
    if permissions.has_perm(user, permissions.VIEW_REGION_STATISTICS):
        centres = tuple(orgs.filter(region_id=user.region_id))
        return ReportScope(
            organisations=centres,
            unit_name=user.region.name if user.region_id else "",
            is_region=True,
            can_see_counsellors=False,
            can_sign_off=False,
        )
    centres = tuple(orgs.filter(pk=user.organisation_id))
    if not centres:
        raise PermissionDenied
    return ReportScope(
        organisations=centres,
        unit_name=centres[0].name,
        is_region=False,
        can_see_counsellors=True,
        can_sign_off=permissions.has_perm(user, permissions.SIGN_OFF_WORK_REPORT),
    )
