"""Self-assessment results, screening campaigns and the tasks they create (AS-01 … AS-04)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.core.models import PublicModel


class Source(models.TextChoices):
    PORTAL = "portal", _("Self-test portal")
    CAMPAIGN = "campaign", _("Screening campaign")
    STAFF = "staff", _("Entered by staff")


class Campaign(PublicModel):
    """A screening campaign (AS-04): scales pushed to a group for a period."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    scales = models.JSONField(_("scales"), default=list)
    groups = models.JSONField(_("target groups"), default=list)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    identified = models.BooleanField(
        _("identified"),
        default=False,
        help_text=_("Identified: each person gets a personal link and results go to their "
                    "archive. Anonymous: results count only in statistics."),
    )  # fmt: skip
    slug = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name


class Participant(PublicModel):
    """A person invited by an identified campaign, with a personal link.

    ``reference`` is how the organisation knows them in this campaign (a staff or student
    number): it names nobody outside the campaign, so a new participant is always a new person
    (the same "E-001" in another campaign, or a caller's label, is someone else)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="participants")
    person = models.ForeignKey("cases.Person", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=40)
    group = models.CharField(_("group"), max_length=100, blank=True)
    token = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="participant_once"),
            models.UniqueConstraint(
                fields=["campaign", "reference"], name="participant_reference_once"
            ),
        ]


class SelfAssessment(PublicModel):
    """One completed scale: the answers, the score and the rule versions that produced it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    scale = models.CharField(_("scale"), max_length=32)
    scale_version = models.CharField(max_length=20)
    rule_version = models.CharField(max_length=20)
    language = models.CharField(max_length=10)
    answers = models.JSONField()
    total = models.FloatField(_("score"))
    band = models.CharField(_("result"), max_length=32)
    flags = models.JSONField(default=list)
    subscales = models.JSONField(default=dict)
    most_severe = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    person = models.ForeignKey(
        "cases.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_assessments",
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )
    group = models.CharField(_("group"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the person ticked the consent and privacy notice (AS-02: voluntary, informed).
    consented_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    # One per completed test: a second submission of the same test finds this row.
    submission_key = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("self-assessment result")
        verbose_name_plural = _("self-assessment results")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="selfassess_org_time"),
            models.Index(fields=["person", "scale", "created_at"], name="selfassess_person"),
        ]

    @property
    def needs_urgent_attention(self) -> bool:
        return bool(self.flags) or self.most_severe


class TaskKind(models.TextChoices):
    URGENT = "urgent", _("Urgent: serious self-test result")
    CALLBACK = "callback", _("Call-back requested")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class HelpTask(PublicModel):
    """Work for the centre's counsellors from a self-test: an urgent review of a serious result
    (seen by the supervisors on duty, like a high-risk alert) or a requested call-back.

    Throttling (``XINYUAN_SELFTEST_*``): beyond a number of tasks from one device or one
    network within a window, a new task is *folded* into the open task already there from that
    origin (``folded_into``): it keeps its result and any call-back number, but the lists and
    the alert panel show the first task once, with ``folded_count`` and the newest result."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=10, choices=TaskKind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    phone_hash = models.CharField(max_length=64, blank=True)
    phone_encrypted = models.TextField(blank=True)
    preferred_time = models.CharField(_("preferred time"), max_length=100, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # Keyed hashes (core.crypto) of where the test was taken: the visitor's device (a random
    # id in the portal session) and network (REMOTE_ADDR; an IPv6 address by its /64). Never
    # the address itself.
    device_hash = models.CharField(max_length=64, blank=True)
    network_hash = models.CharField(max_length=64, blank=True)
    folded_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="folded_tasks"
    )
    folded_count = models.PositiveIntegerField(default=0)
    newest_assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("self-test task")
        verbose_name_plural = _("self-test tasks")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="help_task_once")
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="help_task_open"),
            models.Index(fields=["device_hash", "created_at"], name="help_task_device"),
            models.Index(fields=["network_hash", "created_at"], name="help_task_network"),
        ]
