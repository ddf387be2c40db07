from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinyuan.cases import rules
from xinyuan.core.models import PublicModel


def scale_0_10(verbose_name, **kwargs):
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        **kwargs,
    )


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    IMMINENT = "imminent", _("Imminent")


class Person(PublicModel):
    """A person served (一人一档). The case-file issue extends this model."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="persons"
    )
    label = models.CharField(_("label"), max_length=40)
    is_repeated_caller = models.BooleanField(_("repeated caller"), default=False)
    # HL-08: the management rule agreed with a repeated caller, shown on every next contact.
    management_rule = models.TextField(_("management rule"), blank=True)
    contact_count = models.PositiveIntegerField(default=0)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    # HL-13 retention: anonymised once every record of the person is past the retention period.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.label


class IdentityKind(models.TextChoices):
    PHONE = "phone", _("Phone number")
    CHAT = "chat", _("Chat ID")


class CallerIdentity(PublicModel):
    """A phone number or chat id: a keyed hash for matching and an encrypted copy (HL-08).

    The clear value is never stored; only roles allowed to call back can reveal it.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identities")
    kind = models.CharField(max_length=10, choices=IdentityKind.choices)
    value_hash = models.CharField(max_length=64)
    encrypted_value = models.TextField()

    class Meta:
        verbose_name = _("caller identity")
        verbose_name_plural = _("caller identities")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "value_hash"], name="identity_hash_unique"
            )
        ]


class FollowUpStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    UNREACHABLE = "unreachable", _("Could not reach")
    CANCELLED = "cancelled", _("Cancelled")


class EmotionalChange(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("About the same")
    WORSE = "worse", _("Worse")


class SafetyStatus(models.TextChoices):
    SAFE = "safe", _("Safe")
    AT_RISK = "at_risk", _("At risk")
    UNKNOWN = "unknown", _("Unknown")


class FollowUp(PublicModel):
    """A high-risk follow-up (附件2), booked with the caller's consent (HL-06)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="follow_ups", null=True, blank=True
    )
    contact = models.ForeignKey(
        "hotline.Contact", on_delete=models.PROTECT, related_name="follow_ups"
    )
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_follow_up"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    consent_given = models.BooleanField(_("caller consented to a follow-up"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.SCHEDULED
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    emotional_change = models.CharField(
        _("emotional change"), max_length=8, choices=EmotionalChange.choices, blank=True
    )
    pain_level = scale_0_10(_("pain level (0–10)"), null=True, blank=True)
    hope_level = scale_0_10(_("hope level (0–10)"), null=True, blank=True)
    risk_level = models.CharField(
        _("suicide-risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    safety_status = models.CharField(
        _("safety status"), max_length=10, choices=SafetyStatus.choices, blank=True
    )
    quality_of_life = scale_0_10(_("quality of life (0–10)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The caller rang in while this follow-up was due: that contact is where it was done.
    answered_in = models.ForeignKey(
        "hotline.Contact",
        verbose_name=_("recorded during contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="followup_org_due"),
        ]


class ReminderKind(models.TextChoices):
    DUE_SOON = rules.DUE_SOON, _("Follow-up due soon")
    OVERDUE = rules.OVERDUE, _("Follow-up overdue")
    ESCALATED = rules.ESCALATED, _("Overdue follow-up escalated")


class FollowUpReminder(PublicModel):
    """A reminder that a scheduled follow-up is coming due or is overdue (HL-06).

    Created by the reminder sweep (``cases/tasks.py``), at most once per follow-up and kind:
    the unique constraint holds even if two sweeps run at once or one is run again after a
    crash. "Due soon" and "overdue" go to the assigned counsellor (``recipient``); "escalated"
    has no recipient: it goes to the organisation's supervisors and directors.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_reminders",
        verbose_name=_("recipient"),
    )
    rule_version = models.CharField(max_length=32)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up reminder")
        verbose_name_plural = _("follow-up reminders")
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "kind"], name="reminder_once_per_kind")
        ]
        indexes = [
            models.Index(fields=["organisation", "kind", "read_at"], name="reminder_org_kind_read"),
        ]


class ConsentPurpose(models.TextChoices):
    RECORDING = "recording", _("Recording of the call")
    ASSESSMENT = "assessment", _("Psychological assessment")
    FOLLOW_UP = "follow_up", _("Follow-up contact")
    SHARING = "sharing", _("Sharing information with others")


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbally, during the contact")
    WRITTEN = "written", _("In writing")
    ONLINE = "online", _("Online")


class Consent(PublicModel):
    """What a caller (or, for a minor under 14, their guardian) agreed to or refused, when and
    how (PR-04, PIPL separate consent for sensitive information). A withdrawal is a date on the
    same row, respected from that moment."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consents", null=True, blank=True
    )
    contact = models.ForeignKey(
        "hotline.Contact", on_delete=models.PROTECT, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=ConsentPurpose.choices)
    agreed = models.BooleanField(_("agreed"))
    method = models.CharField(_("how"), max_length=8, choices=ConsentMethod.choices)
    by_guardian = models.BooleanField(_("given by a guardian"), default=False)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=40, blank=True)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.CharField(_("what the caller said"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["given_at"]
        indexes = [models.Index(fields=["person", "purpose"], name="consent_person_purpose")]

    @property
    def is_active(self) -> bool:
        return self.agreed and self.withdrawn_at is None


class CallerNote(PublicModel):
    """A supervisor's short, time-limited note on a caller (e.g. 问候后礼貌结束通话), shown as a
    banner on every contact of that person until it expires or is removed. Never the number."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="caller_notes")
    text = models.CharField(_("note"), max_length=200)
    expires_at = models.DateTimeField(_("expires at"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("caller note")
        verbose_name_plural = _("caller notes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["person", "expires_at"], name="caller_note_person_expiry"),
            models.Index(fields=["organisation", "expires_at"], name="caller_note_org_expiry"),
        ]
