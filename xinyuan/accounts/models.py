import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.core.models import PublicModel
from xinyuan.core.permissions import Role
from xinyuan.core.phone_areas import validate_area_code


class Region(PublicModel):
    """An area under one health commission (卫健委): the scope of its officers' statistics."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("administrative division code"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(PublicModel):
    """A centre (热线/中心): every record belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="organisations",
        null=True,
        blank=True,
    )
    hotline_name = models.CharField(
        _("hotline name used in the greeting"), max_length=200, blank=True
    )
    hotline_number = models.CharField(_("hotline number"), max_length=40, blank=True)
    # Help channels shown with every self-test result (AS-02).
    hotline_hours = models.CharField(_("hotline opening hours"), max_length=100, blank=True)
    clinic = models.TextField(_("clinic: name, address and opening hours"), blank=True)
    emergency_numbers = models.CharField(
        _("emergency numbers"), max_length=100, default="120 · 110"
    )
    # The work report's header: how many lines the hotline number has (线路数).
    line_count = models.PositiveSmallIntegerField(_("number of lines"), default=2)
    # The centre's telephone area code (区号, "010"): a caller from the same area is a local call
    # (本地来电) in the call statistics (core/phone_areas.py).
    local_area_code = models.CharField(
        _("telephone area code of the centre"),
        max_length=5,
        blank=True,
        validators=[validate_area_code],
        help_text=_("e.g. 010 for Beijing, 0755 for Shenzhen"),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def greeting_name(self) -> str:
        return self.hotline_name or self.name


class Qualification(models.TextChoices):
    """OP-04 and the work report's staff table: what a member of staff is qualified as."""

    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    PSYCHIATRIC_NURSE = "psychiatric_nurse", _("Psychiatric nurse")
    PSYCHOTHERAPIST = "psychotherapist", _("Psychotherapist")
    COUNSELLOR = "counsellor", _("Psychological counsellor")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    PSYCHOLOGY_TEACHER = "psychology_teacher", _("Psychology teacher")
    VOLUNTEER = "volunteer", _("Volunteer")
    OTHER = "other", pgettext_lazy("qualification", "Other")


class Employment(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    # Only for health-commission officers, who belong to a region rather than a centre.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="officers",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.COUNSELLOR)
    # HL-12: callers only ever hear/see the alias (work ID), never the real name.
    alias = models.CharField(_("alias shown to callers"), max_length=40, blank=True)
    is_on_duty = models.BooleanField(_("on duty"), default=False)
    # The work report's staff table (心理援助热线工作报表): counts by qualification, full- and
    # part-time, and where part-timers come from.
    qualification = models.CharField(
        _("qualification"), max_length=30, choices=Qualification.choices, blank=True
    )
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, default=Employment.FULL_TIME
    )
    home_institution = models.CharField(_("from which institution"), max_length=200, blank=True)
    # Two-factor sign-in (TOTP): the secret is encrypted with the field key, outside the database.
    totp_secret_encrypted = models.TextField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_step = models.BigIntegerField(default=-1)
    # When centre administration last changed the account (role, alias, qualification …): a page
    # posts the value it showed, and a change made on an older one is refused, not overwritten.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # HL-12: callers tell counsellors apart only by the alias (对外工号).
            models.UniqueConstraint(
                fields=["organisation", "alias"],
                condition=~models.Q(alias=""),
                name="user_alias_unique_in_centre",
            )
        ]

    def __str__(self) -> str:
        return self.alias or self.username

    @property
    def work_name(self) -> str:
        return self.alias or self.username

    @property
    def has_two_factor(self) -> bool:
        return self.totp_confirmed_at is not None


class TokenScope(models.TextChoices):
    """What a bearer token may be used for (docs/decisions/0016)."""

    ALL = "all", _("Everything its user may do")
    CALL_EVENTS = "call_events", _("Telephone switch: call events only")


class ApiToken(PublicModel):
    """A bearer token: only its SHA-256 is stored; revocable; expires. A token of scope
    ``call_events`` (the telephone switch's) authenticates on ``POST /api/v1/call-events`` and
    nowhere else; that endpoint accepts no other credential."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    scope = models.CharField(
        _("scope"), max_length=20, choices=TokenScope.choices, default=TokenScope.ALL
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]


class SignInStage(models.TextChoices):
    PASSWORD = "password", _("password")
    CODE = "code", _("two-factor code")


class SignInFailure(models.Model):
    """One failed sign-in step: the memory of the throttle (docs/decisions/0008), kept for one
    window and then deleted. Keyed by a keyed hash of the user name *as typed*, so a row exists
    alike for names that are no account, and by the client's network. Bookkeeping that never
    leaves the server (no public id); what happened is in the audit trail."""

    stage = models.CharField(max_length=10, choices=SignInStage.choices)
    name_hash = models.CharField(max_length=64)
    network = models.CharField(max_length=50)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["network", "stage", "at"], name="signin_network_idx"),
            models.Index(fields=["name_hash", "stage", "at"], name="signin_name_idx"),
            models.Index(fields=["at"], name="signin_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} failure from {self.network} at {self.at:%Y-%m-%d %H:%M}"


class SignInLinkPurpose(models.TextChoices):
    INVITATION = "invitation", _("invitation")


class SignInLink(PublicModel):
    """A one-time link to set the password of a new account (an invitation, or the first
    administrator made by ``create_centre``). Only the SHA-256 of its key is stored, like an API
    token; it works once, until ``expires_at``, and a newer link for the account revokes it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    purpose = models.CharField(
        max_length=20, choices=SignInLinkPurpose.choices, default=SignInLinkPurpose.INVITATION
    )
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # None: the system (``manage.py create_centre``).
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} for {self.user_id}"


class TwoFactorReset(PublicModel):
    """Two people remove an account's two-factor sign-in: one administrator or director asks,
    a different one confirms before ``expires_at``; the account then enrols a new device."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="two_factor_resets")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor reset")
        verbose_name_plural = _("two-factor resets")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"two-factor reset of {self.user_id}"

    def is_pending(self, now=None) -> bool:
        return self.confirmed_at is None and self.expires_at > (now or timezone.now())
