from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xinyuan.cases.models import RiskLevel, scale_0_10
from xinyuan.core.models import PublicModel


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Online chat")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER = "other", _("Other")


class ContactType(models.TextChoices):
    GENERAL = "general", _("General emotional distress")
    SUICIDE_RISK = "suicide_risk", _("Suicide risk")
    SILENT = "silent", _("Silent")
    CHITCHAT = "chitchat", _("Chit-chat")
    HARASSMENT = "harassment", _("Sexual harassment")
    REPEATED = "repeated", _("Repeated caller")
    MENTAL_DISORDER = "mental_disorder", _("Caller with a mental disorder")
    FOR_OTHERS = "for_others", _("On behalf of someone else")
    INFORMATION = "information", _("Information only")


class ContactStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Closed")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", pgettext_lazy("gender", "Other")
    UNKNOWN = "unknown", _("Not stated")


class AgeGroup(models.TextChoices):
    UNDER_14 = "under_14", _("Under 14")
    AGE_14_17 = "14_17", _("14–17")
    AGE_18_24 = "18_24", _("18–24")
    AGE_25_34 = "25_34", _("25–34")
    AGE_35_44 = "35_44", _("35–44")
    AGE_45_59 = "45_59", _("45–59")
    AGE_60_PLUS = "60_plus", _("60 and over")
    UNKNOWN = "unknown", _("Not stated")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or less")
    SECONDARY = "secondary", _("Secondary school")
    COLLEGE = "college", _("College or university")
    POSTGRADUATE = "postgraduate", _("Postgraduate")
    UNKNOWN = "unknown", _("Not stated")


class WorkStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed")
    RETIRED = "retired", _("Retired")
    OTHER = "other", pgettext_lazy("work", "Other")
    UNKNOWN = "unknown", _("Not stated")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced or separated")
    WIDOWED = "widowed", _("Widowed")
    UNKNOWN = "unknown", _("Not stated")


class PriorTreatment(models.TextChoices):
    NONE = "none", _("None")
    COUNSELLING = "counselling", _("Psychological counselling")
    PSYCHIATRIC = "psychiatric", _("Psychiatric treatment")
    BOTH = "both", _("Both")
    UNKNOWN = "unknown", _("Not stated")


class About(models.TextChoices):
    SELF = "self", _("The caller themself")
    OTHER = "other", _("Someone else")
    INFORMATION = "information", _("Information only")


class RecordingConsent(models.TextChoices):
    NOT_RECORDED = "not_recorded", _("Not recorded")
    NOTICE_GIVEN = "notice_given", _("Recording notice given, caller agreed")
    DECLINED = "declined", _("Caller declined recording")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Concern addressed")
    PARTLY = "partly", _("Partly addressed")
    REFERRED = "referred", _("Referred to other services")
    CRISIS = "crisis", _("Crisis intervention / emergency services")
    DROPPED = "dropped", _("Caller hung up")
    ENDED_BY_COUNSELLOR = "ended", _("Ended by the counsellor")
    # Set only by the background sweep: an in-progress contact nobody touched for hours.
    NOT_COMPLETED = "not_completed", _("Not completed (closed by the system)")


# Outcomes a counsellor chooses when closing (the sweep's is not one of them).
CLOSING_OUTCOMES = [choice for choice in Outcome.choices if choice[0] != Outcome.NOT_COMPLETED]


class Seat(PublicModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="seats"
    )
    code = models.CharField(_("seat"), max_length=20)
    # A retired seat is offered for no new contact but stays on the contacts it took.
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="seat_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class ContactSequence(models.Model):
    """The last contact number given in a centre in a year (``2026-000123``)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="contact_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.last:06d}"


class Contact(PublicModel):
    """One call, chat or walk-in (来电): the five-stage record of HL-01/HL-03."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="contacts"
    )
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    seat = models.ForeignKey(
        Seat, verbose_name=_("seat"), on_delete=models.PROTECT, null=True, blank=True
    )
    identity = models.ForeignKey(
        "cases.CallerIdentity", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="contacts"
    )
    # A number a person can read out at a handover, per centre and year (``2026-000123``); the
    # UUID stays the URL and API key.
    number = models.CharField(_("contact number"), max_length=20, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ContactStatus.choices, default=ContactStatus.OPEN
    )
    contact_type = models.CharField(
        _("contact type"),
        max_length=20,
        choices=ContactType.choices,
        default=ContactType.GENERAL,
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    current_stage = models.PositiveSmallIntegerField(_("stage"), default=1)
    version = models.PositiveIntegerField(default=1)
    # The version at which each field last changed: lets non-overlapping edits merge.
    field_versions = models.JSONField(default=dict, blank=True)
    external_call_id = models.CharField(_("switch call ID"), max_length=100, blank=True)
    recording_consent = models.CharField(
        _("recording"),
        max_length=20,
        choices=RecordingConsent.choices,
        default=RecordingConsent.NOT_RECORDED,
    )
    recording_url = models.URLField(_("recording link"), max_length=500, blank=True)
    # HL-13 retention: a legal hold keeps the record whole past its retention period.
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=300, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    is_flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.CharField(_("flag reason"), max_length=200, blank=True)
    # The level the counsellor judged last (final level of the latest assessment).
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    # Stage 1: opening.
    about = models.CharField(
        _("who the contact is about"), max_length=12, choices=About.choices, default=About.SELF
    )
    caller_gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    caller_age_group = models.CharField(
        _("age"), max_length=10, choices=AgeGroup.choices, default=AgeGroup.UNKNOWN
    )
    caller_education = models.CharField(
        _("education"), max_length=15, choices=Education.choices, default=Education.UNKNOWN
    )
    caller_work_status = models.CharField(
        _("work"), max_length=12, choices=WorkStatus.choices, default=WorkStatus.UNKNOWN
    )
    caller_marital_status = models.CharField(
        _("marital status"),
        max_length=10,
        choices=MaritalStatus.choices,
        default=MaritalStatus.UNKNOWN,
    )
    caller_prior_treatment = models.CharField(
        _("prior psychological or psychiatric treatment"),
        max_length=12,
        choices=PriorTreatment.choices,
        default=PriorTreatment.UNKNOWN,
    )
    purpose = models.TextField(_("purpose of the contact"), blank=True)
    # Stage 2: emotional relief and problem clarification.
    emotional_state = models.TextField(_("emotional state and distress"), blank=True)
    voice_cues = models.TextField(_("cues from voice, tone, speed, breathing, fluency"), blank=True)
    strong_negative_emotion = models.BooleanField(
        _("strong negative emotion (pain, despair, depression, anxiety)"), default=False
    )
    # Coded during the call (hotline/taxonomy): problems most urgent first, interventions used,
    # resources named; the version of the vocabulary the codes come from.
    problem_codes = models.JSONField(_("problems (coded)"), default=list, blank=True)
    intervention_codes = models.JSONField(_("interventions used (coded)"), default=list, blank=True)
    resource_codes = models.JSONField(_("resources (coded)"), default=list, blank=True)
    codes_version = models.CharField(_("code list version"), max_length=20, blank=True)
    # Stage 3: main problem and goal.
    problems = models.TextField(_("problem list, most urgent first"), blank=True)
    goal = models.TextField(_("goal of this contact"), blank=True)
    # Stage 4: problem solving.
    motivation = models.TextField(_("motivation to change"), blank=True)
    past_coping = models.TextField(_("past coping"), blank=True)
    resources = models.TextField(_("internal and external resources"), blank=True)
    obstacles = models.TextField(_("obstacles"), blank=True)
    smart_goal = models.TextField(_("SMART goal"), blank=True)
    options = models.TextField(_("options with pros and cons"), blank=True)
    interventions = models.TextField(_("interventions used"), blank=True)
    # Stage 5: summary and close.
    actions_decided = models.TextField(_("actions the caller decided on"), blank=True)
    caller_feedback = models.TextField(_("caller's feedback"), blank=True)
    goal_attainment = scale_0_10(_("goal attainment (caller's rating 0–10)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    counsellor_notes = models.TextField(_("counsellor's notes"), blank=True)
    # HL-06: a follow-up needs consent; a refusal is recorded with what the caller said.
    follow_up_declined = models.TextField(_("caller declined a follow-up"), blank=True)
    # Special-call protocol steps ticked off (HL-07), by step key.
    protocol_steps_done = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["organisation", "-started_at"], name="contact_org_started"),
            models.Index(
                fields=["organisation", "counsellor", "-started_at"], name="contact_org_couns"
            ),
            models.Index(
                fields=["organisation", "risk_level", "-started_at"], name="contact_org_risk"
            ),
            models.Index(fields=["person", "-started_at"], name="contact_person_started"),
            models.Index(fields=["identity", "started_at"], name="contact_identity_started"),
            models.Index(fields=["status", "updated_at"], name="contact_status_updated"),
            # The live board's contacts in progress of a centre, the longest running first:
            # without it the (centre, start) index walks the centre's every contact.
            models.Index(
                fields=["organisation", "status", "started_at"], name="contact_org_status_started"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"],
                condition=~models.Q(number=""),
                name="contact_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int | None:
        if self.ended_at is None:
            return None
        return int((self.ended_at - self.started_at).total_seconds())


class PlanTiming(models.TextChoices):
    NONE = "none", _("No plan")
    WITHIN_72H = "within_72h", _("Within 72 hours")
    WITHIN_WEEK = "within_week", _("Within a week")
    LATER = "later", _("Later")
    UNKNOWN = "unknown", _("Unknown")


class Lethality(models.TextChoices):
    NONE = "none", _("Not assessed")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    UNKNOWN = "unknown", _("Unknown")


class LastAttempt(models.TextChoices):
    NEVER = "never", _("Never")
    WITHIN_2_WEEKS = "within_2_weeks", _("Within the last 2 weeks")
    WITHIN_YEAR = "within_year", _("Within the last year")
    LONGER_AGO = "longer_ago", _("More than a year ago")
    UNKNOWN = "unknown", _("Unknown")


class RiskAssessment(PublicModel):
    """One suicide-risk assessment (annex 1). Every reassessment is a new row."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    follow_up = models.ForeignKey(
        "cases.FollowUp",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ideation = models.BooleanField(_("suicidal ideation"), default=False)
    ideation_intensity = scale_0_10(_("intensity of ideation (0–10)"), default=0)
    hopelessness = scale_0_10(_("hopelessness (0–10)"), default=0)
    has_plan = models.BooleanField(_("suicide plan"), default=False)
    plan_method = models.CharField(_("method"), max_length=200, blank=True)
    plan_timing = models.CharField(
        _("when they plan to act"),
        max_length=12,
        choices=PlanTiming.choices,
        default=PlanTiming.NONE,
    )
    method_lethality = models.CharField(
        _("lethality of the method"),
        max_length=10,
        choices=Lethality.choices,
        default=Lethality.NONE,
    )
    means_at_hand = models.BooleanField(_("means at hand"), default=False)
    means_detail = models.CharField(
        _("which drug or means, and how much"), max_length=200, blank=True
    )
    act_in_progress = models.BooleanField(
        _("an act just before or during the contact"), default=False
    )
    last_attempt = models.CharField(
        _("past suicide attempt"),
        max_length=16,
        choices=LastAttempt.choices,
        default=LastAttempt.NEVER,
    )
    relative_or_friend_suicide = models.BooleanField(
        _("suicide among relatives or friends"), default=False
    )
    derived_level = models.CharField(_("derived level"), max_length=10, choices=RiskLevel.choices)
    rule_version = models.CharField(_("rule version"), max_length=20)
    reason_codes = models.JSONField(default=list)
    final_level = models.CharField(_("final level"), max_length=10, choices=RiskLevel.choices)
    override_reason = models.TextField(_("reason for the counsellor's level"), blank=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["created_at", "id"]

    @property
    def is_overridden(self) -> bool:
        return self.final_level != self.derived_level


class SafetyPlan(PublicModel):
    """The crisis protocol's safety plan (HL-05), one per contact."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="safety_plan")
    warning_signs = models.TextField(_("warning signs"), blank=True)
    coping_steps = models.TextField(_("coping steps"), blank=True)
    people_to_call = models.TextField(_("people and phone numbers to call"), blank=True)
    medical_institutions = models.TextField(_("medical institutions"), blank=True)
    referral_advice = models.TextField(_("referral advice"), blank=True)
    handover_note = models.TextField(_("handover note"), blank=True)
    # Edited from an autosaving page by the counsellor and colleagues: every write bumps the
    # version and notes, per field, the version at which it last changed (audit.versioned).
    version = models.PositiveIntegerField(default=1)
    field_versions = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")


class AlertKind(models.TextChoices):
    RISK = "risk", _("High-risk contact")
    PUBLIC_SAFETY = "public_safety", _("Public-safety report")


class RiskAlert(PublicModel):
    """Raised when a contact is marked high or imminent, or a public-safety report is made.

    The supervisors on duty see it at once; nobody taking it within ``ALERT_ESCALATE_MINUTES``
    (or nobody on duty, or a public-safety report) escalates it: the director and every
    supervisor of the centre, on duty or not, see it then."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(
        _("kind"), max_length=20, choices=AlertKind.choices, default=AlertKind.RISK
    )
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Set when the escalation's e-mail is handed to the mail server (claimed just before, and
    # cleared again if the server refuses): a re-run task never e-mails it twice.
    emailed_at = models.DateTimeField(_("escalation e-mailed at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("risk alert")
        verbose_name_plural = _("risk alerts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "acknowledged_at"], name="alert_org_ack")]


class BreakGlassAccess(PublicModel):
    """Emergency access (break-glass) by a supervisor to a contact of another centre.

    Read-only, for a limited time, with a mandatory reason; the record's own centre reviews it.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The centre the record belongs to, which reviews the access."),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "contact", "expires_at"], name="breakglass_user_contact"),
            models.Index(fields=["organisation", "reviewed_at"], name="breakglass_org_review"),
        ]


class DisclosureKind(models.TextChoices):
    """Exceptions to confidentiality (HL-11) and public-safety escalation (HL-10)."""

    DANGER_TO_SELF = "danger_to_self", _("Serious danger to the caller's own life")
    DANGER_TO_OTHERS = "danger_to_others", _("Danger to others")
    MINOR_ABUSE = "minor_abuse", _("A minor reports sexual abuse or maltreatment")
    INFECTIOUS_DISEASE = "infectious_disease", _("Fatal infectious disease endangering others")
    LEGAL_DUTY = "legal_duty", _("Required by law")
    PUBLIC_SAFETY = "public_safety", _("Public safety: reported to the centre's head or police")
    WITH_CONSENT = "with_consent", _("Shared with the caller's consent")


class Disclosure(PublicModel):
    """Information about a contact that left the centre (or went up to its head): to whom,
    when, why, by whom. Recorded through the audit trail as well."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="disclosures")
    kind = models.CharField(_("kind"), max_length=20, choices=DisclosureKind.choices)
    disclosed_to = models.CharField(_("disclosed to"), max_length=200)
    disclosed_at = models.DateTimeField(_("disclosed at"))
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["disclosed_at"]


class EmergencyService(models.TextChoices):
    AMBULANCE = "120", _("120 ambulance")
    POLICE = "110", _("110 police")
    FIRE = "119", _("119 fire and rescue")
    OTHER = "other", _("Other emergency service")


class EmergencyCall(PublicModel):
    """Emergency services contacted during a contact (an act in progress, imminent risk): when,
    by whom, which service, their reference. Recorded with the confidentiality exception it
    makes (``disclosure``, danger to the caller's own life)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="emergency_calls")
    service = models.CharField(_("service"), max_length=10, choices=EmergencyService.choices)
    reference = models.CharField(_("their reference"), max_length=100, blank=True)
    called_at = models.DateTimeField(_("contacted at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disclosure = models.OneToOneField(
        Disclosure, on_delete=models.PROTECT, related_name="emergency_call"
    )

    class Meta:
        verbose_name = _("emergency call")
        verbose_name_plural = _("emergency calls")
        ordering = ["called_at", "id"]


class CallEventKind(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ANSWERED = "answered", _("Answered")
    ABANDONED = "abandoned", _("Abandoned")


class CallEvent(PublicModel):
    """What the telephone switch reports of one call: offered, answered or abandoned, with the
    time the caller waited and the seat. Gives the answer rate (接通率) and speed of answer of
    the work report. The caller's number is never stored: only where it is from (the area the
    number-geocoding library names) and whether that is the centre's own area (本地/外地)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="call_events"
    )
    # The switch's own id for the call: the same call reported twice is one event per kind.
    call_ref = models.CharField(_("switch call reference"), max_length=64)
    kind = models.CharField(_("event"), max_length=12, choices=CallEventKind.choices)
    occurred_at = models.DateTimeField(_("time"))
    waited_seconds = models.PositiveIntegerField(_("seconds waited"), null=True, blank=True)
    seat = models.ForeignKey(
        Seat, verbose_name=_("seat"), on_delete=models.PROTECT, null=True, blank=True
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_events",
    )
    # Where the number is from, as the geocoder names it (e.g. "北京市"), never the number.
    caller_area = models.CharField(_("caller's area"), max_length=60, blank=True)
    # True: the centre's area (本地来电); False: elsewhere (外地来电); None: unknown.
    is_local = models.BooleanField(_("local call"), null=True, blank=True)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["-occurred_at"]
        constraints = [
            # A switch's retry of the same report (same time) meets this index even when two
            # arrive at once; a reference reused for another call later is another call
            # (``actions.call_events.SAME_CALL_WINDOW``).
            models.UniqueConstraint(
                fields=["organisation", "call_ref", "kind", "occurred_at"],
                name="call_event_once_per_kind_and_time",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "occurred_at"], name="call_event_org_time_idx"),
            # Events arrive in time order: on this index a period's events of every centre sit
            # in a narrow run of pages, which PostgreSQL's planner sees (from the column's
            # correlation) and the (centre, time) index above does not let it see — there it
            # read all 18 M events for a month's report (docs/benchmarks.md, issue 11).
            models.Index(fields=["occurred_at"], name="call_event_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.call_ref} {self.kind}"
