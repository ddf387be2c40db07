"""Running the centre (OP-01 … OP-04, HL-15): service hours and seats staffed, shifts, training,
complaints and feedback."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.core.models import PublicModel


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ServiceWindow(PublicModel):
    """The hours a centre promises on one weekday, and the seats that must be staffed in each of
    those hours (the guide: at least two). Times are the centre's local time; an end of 00:00
    means midnight at the end of the day, so 00:00–00:00 is the whole day (24 h service)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="service_windows"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))
    min_seats = models.PositiveSmallIntegerField(_("minimum staffed seats"), default=2)

    class Meta:
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        ordering = ["weekday", "starts_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Shift(PublicModel):
    """One person on one seat for a stretch of time. An open shift has no one yet (to sign up
    for). Being on shift now is what makes a supervisor "on duty" for alerts."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="shifts"
    )
    seat = models.ForeignKey(
        "hotline.Seat", verbose_name=_("seat"), on_delete=models.PROTECT, related_name="shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "seat__code"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"], name="shift_org_start_idx"),
            models.Index(fields=["user", "starts_at"], name="shift_user_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.seat} {self.starts_at:%Y-%m-%d %H:%M}"


class TrainingTopic(models.TextChoices):
    """The guide's pre-service training (seed 004, 二), and what else a centre trains."""

    ETHICS = "ethics", _("Ethics and confidentiality")
    CRISIS = "crisis", _("Crisis theory and intervention techniques")
    DISORDERS = "disorders", _("Recognising common mental disorders")
    CALL_FLOW = "call_flow", _("Hotline call flow")
    ASSESSMENT = "assessment", _("Suicide-risk and psychological assessment")
    SPECIAL_CALLS = "special_calls", _("Handling special calls")
    OTHER = "other", pgettext_lazy("training topic", "Other")


# Pre-service training every counsellor must hold, current, before being rostered (OP-03).
REQUIRED_TOPICS = (
    TrainingTopic.ETHICS,
    TrainingTopic.CRISIS,
    TrainingTopic.DISORDERS,
    TrainingTopic.CALL_FLOW,
    TrainingTopic.ASSESSMENT,
    TrainingTopic.SPECIAL_CALLS,
)


class TrainingSession(PublicModel):
    """A training the centre held: the work report counts sessions, content and people."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="training_sessions"
    )
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("content"), max_length=20, choices=TrainingTopic.choices)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    trainer = models.CharField(_("trainer"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title


class TrainingRecord(PublicModel):
    """One person's completed training on one topic, from a session of the centre or elsewhere
    (with the certificate). It may expire; an expired required topic keeps them off the rota."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="training_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        on_delete=models.PROTECT,
        related_name="training_records",
    )
    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("training session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
    )
    topic = models.CharField(_("content"), max_length=20, choices=TrainingTopic.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    certificate = models.CharField(_("certificate number"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on"]
        indexes = [models.Index(fields=["user", "topic"], name="training_user_topic_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.topic} {self.completed_on}"


class ComplaintKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class ComplaintChannel(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Online form")
    PHONE = "phone", _("Phone")
    LETTER = "letter", _("Letter or e-mail")
    IN_PERSON = "in_person", _("In person")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    RESOLVED = "resolved", _("Resolved")


class Complaint(PublicModel):
    """A complaint, suggestion or praise about the service (HL-15), handled to an outcome."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ComplaintKind.choices)
    channel = models.CharField(_("received by"), max_length=12, choices=ComplaintChannel.choices)
    received_at = models.DateTimeField(_("received at"))
    text = models.TextField(_("what was said"))
    # How to reach the person, if they want an answer (optional; never required).
    reply_to = models.CharField(_("how to reply"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint or feedback")
        verbose_name_plural = _("complaints and feedback")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["organisation", "received_at"], name="complaint_org_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.received_at:%Y-%m-%d}"


# The rota (OP-01): templates of a recurring week, requests to swap or hand over a shift, and
# the coverage gaps already told to the directors.


class ShiftTemplate(PublicModel):
    """One recurring shift of the centre's week: on this weekday, from–to, on this seat, by
    default this person. "Apply to the week of …" makes the week's shifts from the templates.
    An end of 00:00 is midnight at the end of the day; an end before the start runs past
    midnight into the next day."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="shift_templates"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))
    seat = models.ForeignKey(
        "hotline.Seat", verbose_name=_("seat"), on_delete=models.PROTECT, related_name="+"
    )
    default_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usually staffed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["weekday", "starts_at", "seat__code"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ShiftRequestKind(models.TextChoices):
    SWAP = "swap", _("Swap")
    SUBSTITUTE = "substitute", _("Substitution")


class ShiftRequestStatus(models.TextChoices):
    ASKED = "asked", _("Waiting for the colleague")
    ACCEPTED = "accepted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined by the colleague")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ShiftRequest(PublicModel):
    """A request about a rostered shift: a substitution (a colleague takes it over; asked of
    one colleague, or of anyone when no one is named) or a swap (two people exchange shifts).
    The colleague accepts, then a supervisor or director approves; only then does the rota
    change."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="shift_requests"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ShiftRequestKind.choices)
    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who takes the shift over (substitution) or whose shift is exchanged (swap); empty: a
    # substitution open to anyone, filled in by whoever accepts.
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    other_shift = models.ForeignKey(
        Shift,
        verbose_name=_("in exchange for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ShiftRequestStatus.choices,
        default=ShiftRequestStatus.ASKED,
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift request")
        verbose_name_plural = _("shift requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="shift_request_org_status_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shift}"


class CoverageGapNotice(models.Model):
    """A director was told (by e-mail) that this hour is below the promised seats: the sweep
    never tells the same person of the same gap hour twice."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    hour_starts_at = models.DateTimeField()
    required = models.PositiveSmallIntegerField()
    staffed = models.PositiveSmallIntegerField()
    notified_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "hour_starts_at"], name="coverage_gap_notice_once"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "hour_starts_at"], name="coverage_notice_org_idx")
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.hour_starts_at:%Y-%m-%d %H:%M}"
