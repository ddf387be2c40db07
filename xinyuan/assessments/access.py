"""Who may see or work a self-test task, a campaign or a person's archive, decided in one place
(see ``hotline/access.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from xinyuan.assessments import selectors
from xinyuan.assessments.models import Campaign, HelpTask
from xinyuan.core import permissions


def _lookup(qs, **where):
    try:
        found = qs.filter(**where).first()
    except ValidationError as exc:  # not a UUID
        raise Http404 from exc
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class TaskAccess:
    """A task a self-test created (urgent, or a call-back request)."""

    user: Any
    task: HelpTask

    @property
    def can_work(self) -> bool:
        """Take it, record what was done, see the number to call back (audited)."""
        return (
            permissions.has_perm(self.user, permissions.HANDLE_SELF_TEST_TASKS)
            and self.user.organisation_id == self.task.organisation_id
        )

    @property
    def can_see_archive(self) -> bool:
        return (
            self.task.assessment.person_id is not None
            and permissions.has_perm(self.user, permissions.VIEW_SELF_TEST_RESULTS)
            and self.user.organisation_id == self.task.organisation_id
        )


def decide_task(user, task: HelpTask) -> TaskAccess:
    return TaskAccess(user=user, task=task)


def access_task(user, public_id) -> TaskAccess:
    access = decide_task(user, _lookup(selectors.tasks_visible_to(user), public_id=public_id))
    if not access.can_work:
        raise Http404
    return access


@dataclass(frozen=True)
class CampaignAccess:
    user: Any
    campaign: Campaign

    @property
    def can_manage(self) -> bool:
        """Invite people, see participation and the bands by group (counts only)."""
        return (
            permissions.has_perm(self.user, permissions.MANAGE_CAMPAIGNS)
            and self.user.organisation_id == self.campaign.organisation_id
        )

    @property
    def can_see_results(self) -> bool:
        """Open a participant's archive (individual results)."""
        return self.can_manage and permissions.has_perm(
            self.user, permissions.VIEW_SELF_TEST_RESULTS
        )


def decide_campaign(user, campaign: Campaign) -> CampaignAccess:
    return CampaignAccess(user=user, campaign=campaign)


def may_manage_campaigns(user) -> bool:
    """Create campaigns of the user's centre."""
    return (
        permissions.has_perm(user, permissions.MANAGE_CAMPAIGNS)
        and user.organisation_id is not None
    )


def access_campaign(user, public_id) -> CampaignAccess:
    campaign = _lookup(selectors.campaigns_visible_to(user), public_id=public_id)
    access = decide_campaign(user, campaign)
    if not access.can_manage:
        raise Http404
    return access


@dataclass(frozen=True)
class ArchiveAccess:
    """A person's mental-health archive (their self-test results over time)."""

    user: Any
    person: Any

    @property
    def can_view(self) -> bool:
        return (
            permissions.has_perm(self.user, permissions.VIEW_SELF_TEST_RESULTS)
            and self.user.organisation_id == self.person.organisation_id
        )

    @property
    def can_export(self) -> bool:
        """The FHIR export (audited, naming the person)."""
        return self.can_view


def decide_archive(user, person) -> ArchiveAccess:
    return ArchiveAccess(user=user, person=person)


def access_archive(user, public_id) -> ArchiveAccess:
    from xinyuan.cases.models import Person

    if not permissions.has_perm(user, permissions.VIEW_SELF_TEST_RESULTS):
        raise Http404
    person = _lookup(
        Person.objects.filter(organisation_id=user.organisation_id), public_id=public_id
    )
    return ArchiveAccess(user=user, person=person)
