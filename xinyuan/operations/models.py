"""Running the centre (OP-01 … OP-04, HL-15): service hours and seats staffed, shifts, training,
complaints and feedback."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.core.models import PublicModel
from xinyuan.operations.rules import DEFAULT_LOAD_LIMITS


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
            ),
            # A seat's shift exists once: applying the templates twice, or two directors at once,
            # never doubles it (the actions check first and say so; this is the last word).
            models.UniqueConstraint(
                fields=["seat", "starts_at", "ends_at"], name="shift_once_per_seat_and_time"
            ),
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
    # The training's name and who gave it, for one taken elsewhere (a session has its own).
    title = models.CharField(_("training and provider"), max_length=200, blank=True)
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
    # A short code the person is given (on the form's page, or read out on the phone) to refer
    # to their entry; it reveals nothing of other entries.
    reference = models.CharField(_("reference"), max_length=12, unique=True, null=True)
    # The staff member who entered it (a phone call, a letter); empty for the public form.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The public form's origin, only as keyed hashes (flood limits, like the self-test portal).
    device_hash = models.CharField(max_length=64, blank=True)
    network_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("complaint or feedback")
        verbose_name_plural = _("complaints and feedback")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["organisation", "received_at"], name="complaint_org_time_idx"),
            models.Index(fields=["device_hash", "received_at"], name="complaint_device_idx"),
            models.Index(fields=["network_hash", "received_at"], name="complaint_network_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.received_at:%Y-%m-%d}"


class WorkloadLimits(PublicModel):
    """A centre's own limits on each person's weekly load (OP-02: preventing burnout). Set by
    the director; until they are saved the defaults of ``rules.DEFAULT_LOAD_LIMITS`` apply. They
    are the centre's settings, not clinical or legal guidance."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="workload_limits"
    )
    max_hours_per_week = models.DecimalField(
        _("maximum hours on shift per week"),
        max_digits=4,
        decimal_places=1,
        default=DEFAULT_LOAD_LIMITS.max_hours_per_week,
    )
    max_night_shifts_per_week = models.PositiveSmallIntegerField(
        _("maximum night shifts per week"), default=DEFAULT_LOAD_LIMITS.max_night_shifts_per_week
    )
    min_rest_hours = models.DecimalField(
        _("minimum rest between shifts (hours)"),
        max_digits=3,
        decimal_places=1,
        default=DEFAULT_LOAD_LIMITS.min_rest_hours,
    )
    max_high_risk_contacts_per_week = models.PositiveSmallIntegerField(
        _("maximum high-risk contacts per week"),
        default=DEFAULT_LOAD_LIMITS.max_high_risk_contacts_per_week,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("workload limits")
        verbose_name_plural = _("workload limits")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.max_hours_per_week} h"


class SupervisionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual supervision")
    GROUP = "group", _("Group supervision")


class SupervisionSession(PublicModel):
    """A supervision (督导) held for one counsellor or a group: who supervised, who attended,
    what was discussed, and which contacts (by their contact number only, never caller data)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="supervision_sessions"
    )
    format = models.CharField(_("format"), max_length=12, choices=SupervisionFormat.choices)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervisions_given",
    )
    # A supervisor from outside the centre (an invited expert), by name.
    external_supervisor = models.CharField(_("external supervisor"), max_length=100, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("attendees"), related_name="supervisions"
    )
    topics = models.TextField(_("topics"))
    contacts = models.ManyToManyField(
        "hotline.Contact",
        verbose_name=_("contacts discussed"),
        related_name="supervision_sessions",
        blank=True,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("supervision session")
        verbose_name_plural = _("supervision sessions")
        ordering = ["-held_on", "-created_at"]
        indexes = [models.Index(fields=["organisation", "held_on"], name="supervision_org_day_idx")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.held_on}"


class CallReview(PublicModel):
    """A supervisor's rating of a closed contact (评价考核) with the rubric, and comments the
    counsellor reads. Scores run 1 (poor) to 5 (excellent); the suicide-risk assessment is not
    rated (null) when the call needed none."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="call_reviews"
    )
    contact = models.ForeignKey(
        "hotline.Contact",
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews_given",
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        related_name="reviews_received",
    )
    process_score = models.PositiveSmallIntegerField(_("process (five-stage flow)"))
    attitude_score = models.PositiveSmallIntegerField(_("attitude"))
    communication_score = models.PositiveSmallIntegerField(_("communication"))
    risk_assessment_score = models.PositiveSmallIntegerField(
        _("quality of the suicide-risk assessment"), null=True, blank=True
    )
    comments = models.TextField(_("comments"), blank=True)
    seen_by_counsellor_at = models.DateTimeField(_("seen by the counsellor"), null=True, blank=True)

    class Meta:
        verbose_name = _("call review")
        verbose_name_plural = _("call reviews")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["counsellor", "created_at"], name="review_counsellor_idx"),
            models.Index(fields=["organisation", "created_at"], name="review_org_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "reviewer"], name="review_once_per_reviewer"
            ),
            models.CheckConstraint(
                condition=models.Q(process_score__gte=1, process_score__lte=5)
                & models.Q(attitude_score__gte=1, attitude_score__lte=5)
                & models.Q(communication_score__gte=1, communication_score__lte=5)
                & (
                    models.Q(risk_assessment_score__isnull=True)
                    | models.Q(risk_assessment_score__gte=1, risk_assessment_score__lte=5)
                ),
                name="review_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} {self.reviewer}"

    @property
    def average(self) -> float:
        scores = [
            self.process_score,
            self.attitude_score,
            self.communication_score,
            self.risk_assessment_score,
        ]
        given = [s for s in scores if s is not None]
        return round(sum(given) / len(given), 1)


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
