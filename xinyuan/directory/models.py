"""The centre's directory of partner institutions (联网联动, OP-05): hospitals, community health
centres, social-work agencies, police, 120, civil affairs, schools, street and community offices.

An entry belongs to the centre that keeps it; nobody sees another centre's entries. Entries are
deactivated, never deleted, so a later referral keeps the institution it named."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class InstitutionKind(models.TextChoices):
    PSYCHIATRIC_HOSPITAL = "psychiatric_hospital", _("Psychiatric hospital")
    GENERAL_HOSPITAL = "general_hospital", _("General hospital (psychiatry or psychology)")
    COMMUNITY_HEALTH = "community_health", _("Community health centre")
    SOCIAL_WORK = "social_work", _("Social-work agency")
    POLICE = "police", _("Police / police station")
    EMERGENCY = "emergency", _("Emergency medical service (120)")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    SCHOOL = "school", _("School")
    STREET_OFFICE = "street_office", _("Street / township office")
    COMMUNITY = "community", _("Community / residents' committee")
    OTHER = "other", _("Other")


class Institution(PublicModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="institutions"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=InstitutionKind.choices)
    region = models.CharField(_("region"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    services = models.TextField(_("services"), blank=True)
    green_channel = models.BooleanField(_("green channel"), default=False)
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # Raised by every change: a form posts the version it showed, a stale one is refused (409).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="directory_institution_name_per_centre"
            )
        ]
        indexes = [models.Index(fields=["organisation", "active", "name"])]

    def __str__(self) -> str:
        return self.name
