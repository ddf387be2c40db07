"""The one thing reports store: the director's sign-off of a work report (the rest is read)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class WorkReportSignOff(PublicModel):
    """The centre's director confirmed the work report of one period (负责人签字), in the app:
    who and when. The printed form keeps its blank lines for the ink signature and for the
    reviewing department (审核部门), which is outside the platform."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=10)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed at"))
    # What was signed: the form's figures as printed (``exports.signed_figures``), and their
    # SHA-256, which the audit event carries into the sealed trail. Later changes to the
    # period's contacts are shown against them on the report, never applied to them.
    figures = models.JSONField(default=list, blank=True)
    figures_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("work report sign-off")
        verbose_name_plural = _("work report sign-offs")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "first_day", "last_day"],
                name="work_report_signed_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_day}–{self.last_day}"


class DailyCentreStats(models.Model):
    """The work report's service and problem figures of one centre for one past local day: a
    cache of what ``selectors.work_report.daily_figures`` computes from the contacts and the
    switch's call events, so that a month is ≤ 31 rows and three years ≤ 1,096 (decision 0017).

    A row is used only while it is current: written with today's ``definition`` and with no
    ``StaleReportDay`` mark on its day. Anything else — a day never rolled up, today, a day
    whose contacts changed since — is computed from the contacts at the time of the report, so a
    missing or outdated row never changes a figure, it only costs time."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+", db_constraint=True
    )
    day = models.DateField()
    # rollup.DEFINITION when computed: the figures' definitions and the code list's version.
    definition = models.CharField(max_length=40, blank=True)
    computed_at = models.DateTimeField(null=True)
    contacts = models.PositiveIntegerField(default=0)
    phone_contacts = models.PositiveIntegerField(default=0)
    high_crisis = models.PositiveIntegerField(default=0)
    difficult = models.PositiveIntegerField(default=0)
    repeated = models.PositiveIntegerField(default=0)
    uncoded = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=dict)  # report row → contacts touching it
    call_events = models.PositiveIntegerField(default=0)
    calls_offered = models.PositiveIntegerField(default=0)
    calls_answered = models.PositiveIntegerField(default=0)
    local_calls = models.PositiveIntegerField(default=0)
    non_local_calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "day"], name="daily_stats_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.day}"


class StaleReportDay(models.Model):
    """A mark that a centre's contacts or call events at ``at`` changed (inserted, deleted, or a
    counted column updated; or a caller's repeated-caller flag changed). Written by database
    triggers (migration 0002), so no write path — an action, a bulk update, a deletion by
    cascade, a retention purge — can forget it. Marks are plain appended rows (no unique
    key: writers never wait for each other); a refresh of the day deletes them."""

    organisation_id = models.BigIntegerField()
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organisation_id", "at"], name="stale_report_org_at")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.at}"
