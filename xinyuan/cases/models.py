from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class PopulationCategory(models.TextChoices):
    """The target groups of the epidemic-era intervention plans (CM-02, seeds 001 and 003)."""

    PATIENTS_AND_FAMILIES = "patients_families", _("Patients and their families")
    BEREAVED = "bereaved", _("Bereaved families")
    MEDICAL_STAFF = "medical_staff", _("Front-line medical staff")
    FRONTLINE_WORKERS = "frontline_workers", _("Police and other front-line workers")
    LOW_INCOME = "low_income", _("Low-income")
    SPECIAL_HARDSHIP = "special_hardship", _("People in special hardship")
    ELDERLY = "elderly", _("Elderly")
    CHILDREN_IN_DISTRESS = "children_in_distress", _("Children in distress")
    HOMELESS = "homeless", _("Homeless")
    DISABLED = "disabled", _("Disabled")
    COMMUNITY_CORRECTIONS = "community_corrections", _("Community corrections")
    DRUG_REHABILITATION = "drug_rehabilitation", _("Drug rehabilitation")
    SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("Severe mental disorder")
    STUDENTS = "students", _("Students")
    ISOLATED = "isolated", _("Isolated persons")
    GENERAL_PUBLIC = "general_public", _("General public")


class InterventionLevel(models.IntegerChoices):
    """第一级–第四级人群 (CM-02): intervention starts at level 1."""

    LEVEL_1 = 1, _("Level 1")
    LEVEL_2 = 2, _("Level 2")
    LEVEL_3 = 3, _("Level 3")
    LEVEL_4 = 4, _("Level 4")


class PersonGender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class CaseStatus(models.TextChoices):
    """A person has a file once it is opened; ``NONE`` is a caller known by number only."""

    NONE = "", pgettext_lazy("case status", "No file")
    OPEN = "open", pgettext_lazy("case status", "Open")
    ACTIVE = "active", pgettext_lazy("case status", "Active")
    CLOSED = "closed", pgettext_lazy("case status", "Closed")
    REOPENED = "reopened", pgettext_lazy("case status", "Reopened")


class Person(PublicModel):
    """A person served (一人一档): a caller known by number, and once a file is opened
    (``case_status`` not empty) the case file of CM-01 — basic information, population
    categories, intervention level, status and assignment. The name, contact details and the
    guardian's details are encrypted (revealed with an audited reason, like the number)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="persons"
    )
    label = models.CharField(_("label"), max_length=40)
    # The case file (CM-01). Empty for a caller whose file was never opened.
    case_status = models.CharField(
        _("case status"), max_length=10, choices=CaseStatus.choices, blank=True, default=""
    )
    file_opened_at = models.DateTimeField(_("file opened at"), null=True, blank=True)
    alias = models.CharField(_("name or alias"), max_length=60, blank=True)
    name_encrypted = models.TextField(blank=True)
    # Keyed hash of the normalised name: likely duplicates are found without clear text.
    name_hash = models.CharField(max_length=64, blank=True)
    gender = models.CharField(
        _("gender"), max_length=8, choices=PersonGender.choices, default=PersonGender.UNKNOWN
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    street = models.CharField(_("street or township (街道/乡镇)"), max_length=100, blank=True)
    community = models.CharField(_("community (社区)"), max_length=100, blank=True)
    contact_details_encrypted = models.TextField(blank=True)
    # The keyed hash of a phone number found in the contact details (the same hash as a
    # caller's ``CallerIdentity``): a walk-in's file and a caller known by number are found
    # to be one person (CM-01, likely duplicates).
    contact_hash = models.CharField(max_length=64, blank=True)
    guardian_relation = models.CharField(_("guardian's relation"), max_length=40, blank=True)
    guardian_encrypted = models.TextField(blank=True)
    population_categories = models.JSONField(_("population categories"), default=list, blank=True)
    intervention_level = models.PositiveSmallIntegerField(
        _("intervention level"), choices=InterventionLevel.choices, null=True, blank=True
    )
    self_evaluation = models.TextField(_("self-evaluation"), blank=True)
    life_events = models.TextField(_("life events behind the distress"), blank=True)
    counselling_advice = models.TextField(_("counselling advice"), blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_files",
    )
    team = models.ForeignKey(
        "cases.CareTeam",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
    )
    # Raised by every change of the file: a form posts the version it showed (409 if stale).
    file_version = models.PositiveIntegerField(default=1)
    # Merged into another person's file (``PersonMerge``): every record moved there; this row
    # stays (empty) so that the merge can be undone.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
        indexes = [
            models.Index(
                fields=["organisation", "case_status", "assigned_to"], name="person_org_file"
            ),
            models.Index(fields=["organisation", "name_hash"], name="person_org_name_hash"),
            models.Index(fields=["organisation", "contact_hash"], name="person_org_contact_hash"),
        ]

    @property
    def has_file(self) -> bool:
        return bool(self.case_status)

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


class FollowUpKind(models.TextChoices):
    """Why a follow-up was booked (CM-04, HL-06; the centre's policy, ``FollowUpPolicy``)."""

    HIGH_RISK = "high_risk", _("High risk: within 24 hours")
    SCHEDULE = "schedule", _("The centre's schedule")
    PROGRAMME = "programme", _("In the programme: regular")
    INTENSIFIED = "intensified", _("Intensified after a high-risk report")
    MANUAL = "manual", _("Booked by hand")


class FollowUp(PublicModel):
    """A follow-up (附件2): booked with the caller's consent after a high-risk contact (HL-06),
    by the centre's policy (CM-04), after a high-risk report, or by hand from the file."""

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
    kind = models.CharField(
        _("kind"), max_length=12, choices=FollowUpKind.choices, default=FollowUpKind.HIGH_RISK
    )
    # The step of the centre's schedule this follow-up is (0: the first, within 24 hours).
    schedule_step = models.PositiveSmallIntegerField(null=True, blank=True)
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
            models.Index(fields=["organisation", "done_at"], name="followup_org_done"),
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


class FileEntryKind(models.TextChoices):
    NOTE = "note", _("Note")
    LEVEL = "level", _("Intervention level")
    STATUS = "status", _("Case status")
    ASSIGNMENT = "assignment", _("Assignment")
    CATEGORIES = "categories", _("Population categories")
    LINKED = "linked", _("Contact linked")
    MERGED = "merged", _("Files merged")


class FileEntry(PublicModel):
    """One line of a person's file written by the file's own actions: a note, a change of
    intervention level (with who set it: the level's history), of case status, of assignment,
    of population categories, a contact linked. Never edited; the timeline reads them."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="file_entries")
    kind = models.CharField(_("kind"), max_length=12, choices=FileEntryKind.choices)
    text = models.TextField(_("text"), blank=True)
    level = models.PositiveSmallIntegerField(
        _("intervention level"), choices=InterventionLevel.choices, null=True, blank=True
    )
    status = models.CharField(_("case status"), max_length=10, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("file entry")
        verbose_name_plural = _("file entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at", "-id"], name="file_entry_person_at")]


class ReferralStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("referral status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("referral status", "Accepted")
    SEEN = "seen", pgettext_lazy("referral status", "Seen")
    CLOSED = "closed", pgettext_lazy("referral status", "Closed")
    REJECTED = "rejected", pgettext_lazy("referral status", "Rejected")


class ReferralUrgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a week")
    URGENT = "urgent", _("Urgent (within 24 hours)")


class ReferralKind(models.TextChoices):
    REFERRAL = "referral", _("Referral (转介)")
    TRANSFER = "transfer", _("Transfer of care (转诊)")


class ConsentBasis(models.TextChoices):
    CONSENTED = "consented", _("The person consented")
    GUARDIAN = "guardian", _("The guardian consented")
    EXCEPTION = "exception", _("Confidentiality exception (danger to life)")


class Referral(PublicModel):
    """A referral or transfer of a person to a partner institution (CM-05), tracked until the
    person is seen: sent → accepted → seen → closed, or rejected with a reason. The continuity
    information (e.g. current psychiatric medication) travels with it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    contact = models.ForeignKey(
        "hotline.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=ReferralKind.choices, default=ReferralKind.REFERRAL
    )
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=ReferralUrgency.choices)
    consent_basis = models.CharField(_("consent"), max_length=10, choices=ConsentBasis.choices)
    exception_reason = models.CharField(
        _("why the confidentiality exception applies"), max_length=300, blank=True
    )
    continuity_info = models.TextField(
        _("information that travels (e.g. current psychiatric medication)"), blank=True
    )
    green_channel = models.BooleanField(_("green channel"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-sent_at"], name="referral_person_sent"),
            models.Index(fields=["organisation", "status", "sent_at"], name="referral_org_status"),
        ]


class ReportMethod(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    WRITTEN = "written", _("In writing")
    MESSAGE = "message", _("By work message")


class CommunityReport(PublicModel):
    """A high-risk report (CM-06): someone at risk of self-harm, suicide or harming others is
    reported at once to the street/township contact and the community — who reported, when, to
    whom, how, and the acknowledgement; the family given the emergency number. Shown on the
    file until closed. Filing it raises the follow-up frequency (the policy's intensified
    schedule)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="community_reports")
    risk = models.CharField(_("risk"), max_length=200)
    street_contact = models.CharField(_("street/township contact"), max_length=200)
    community_contact = models.CharField(_("community contact"), max_length=200, blank=True)
    method = models.CharField(_("how"), max_length=10, choices=ReportMethod.choices)
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    family_given_emergency_number = models.BooleanField(
        _("the family was given the emergency number"), default=False
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by_name = models.CharField(_("acknowledged by"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_note = models.CharField(_("closing note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("high-risk report")
        verbose_name_plural = _("high-risk reports")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["person", "-reported_at"], name="community_report_person")]


def default_schedule_days() -> list[int]:
    return list(rules.DEFAULT_SCHEDULE_DAYS)


class FollowUpPolicy(PublicModel):
    """The centre's follow-up policy (CM-04): after a high-risk contact the first follow-up
    within 24 hours and then the schedule (days after the contact; default after the Beijing
    centre's practice: next day, 1 week, 1, 3 and 12 months); people in the programme (an open
    file) at least every ``programme_every_days``; while a high-risk report is open, every
    ``intensified_every_days``. A centre without a row uses the defaults."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="follow_up_policy"
    )
    schedule_days = models.JSONField(
        _("schedule (days after the contact)"), default=default_schedule_days
    )
    programme_every_days = models.PositiveSmallIntegerField(
        _("in the programme: at least every (days)"), default=rules.DEFAULT_PROGRAMME_EVERY_DAYS
    )
    intensified_every_days = models.PositiveSmallIntegerField(
        _("after a high-risk report: every (days)"), default=rules.DEFAULT_INTENSIFIED_EVERY_DAYS
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up policy")
        verbose_name_plural = _("follow-up policies")


class FollowUpEscalation(PublicModel):
    """An overdue follow-up escalated to the centre's supervisors and directors on one day: in
    the app, and by e-mail (``emailed_at``, claimed before sending). At most one per follow-up
    and day (the unique constraint), made again each day until the follow-up is handled."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    follow_up = models.ForeignKey(FollowUp, on_delete=models.PROTECT, related_name="escalations")
    day = models.DateField(_("day"))
    emailed_at = models.DateTimeField(null=True, blank=True)  # claimed for an e-mail
    # The mail server accepted the e-mail. A claim older than ``CLAIM_TIMEOUT`` without it (the
    # worker was killed while sending) is claimed again: at least once, never lost.
    mail_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("overdue escalation")
        verbose_name_plural = _("overdue escalations")
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "day"], name="escalation_once_per_day")
        ]
        indexes = [models.Index(fields=["organisation", "day"], name="escalation_org_day")]


class PersonMerge(PublicModel):
    """Two files of one person merged (CM-01): every record of ``source`` moved to ``target``,
    the moved rows listed per table so that an undo (within ``rules.MERGE_UNDO_DAYS``) moves
    exactly those back."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merged_away")
    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merged_in")
    reason = models.CharField(_("reason"), max_length=300)
    moved = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("merge of files")
        verbose_name_plural = _("merges of files")
        ordering = ["-created_at", "-id"]


class NeedKind(models.TextChoices):
    FINANCIAL = "financial", _("Financial")
    LIVING = "living", _("Daily living")
    MEDICAL = "medical", _("Medical")
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LINKED = "linked", _("Resource linked")
    MET = "met", _("Met")
    CLOSED = "closed", pgettext_lazy("need status", "Closed")


class PracticalNeed(PublicModel):
    """A practical need of the person (困难救助, CM-07) — financial, daily living, medical — and
    the resource linked: an institution of the directory or a resource in words."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="needs")
    kind = models.CharField(_("kind"), max_length=10, choices=NeedKind.choices)
    description = models.CharField(_("the need"), max_length=300)
    institution = models.ForeignKey(
        "directory.Institution",
        verbose_name=_("resource from the directory"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resource = models.CharField(_("resource (in words)"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("practical need")
        verbose_name_plural = _("practical needs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="need_person_created")]


# Intervention plans (CM-03) and care teams (CM-08) -------------------------------------------


class InterventionApproach(models.TextChoices):
    """CM-03: after assessment, crisis intervention or psychoeducation, and the suggestion of
    individual, family or group intervention."""

    INDIVIDUAL = "individual", _("Individual")
    FAMILY = "family", _("Family")
    GROUP = "group", _("Group")
    PSYCHOEDUCATION = "education", _("Psychoeducation")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("plan status", "Active")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "stopped", _("Discontinued")


class InterventionPlan(PublicModel):
    """The person's intervention plan: the approaches, the goals, the sessions planned and a
    review date; sessions are recorded against it. One active plan per file."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plans")
    approaches = models.JSONField(_("approaches"), default=list)
    goals = models.TextField(_("goals"))
    planned_sessions = models.PositiveSmallIntegerField(
        _("sessions planned"), null=True, blank=True
    )
    review_on = models.DateField(_("review on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("intervention plan")
        verbose_name_plural = _("intervention plans")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"], name="plan_person_created")]
        constraints = [
            # One active plan per file; a merge of two files with an active plan each is
            # refused (the merge names the record), and a second tab's plan too.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="plan_one_active"
            )
        ]


class SessionProgress(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("No change")
    WORSE = "worse", _("Worse")


class PlanSession(PublicModel):
    """A session held under an intervention plan: when, which approach, how long, who took
    part, what was done and the progress seen."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The person is the plan's: a merge (or its undo) moves the plan, and its sessions with it.
    plan = models.ForeignKey(InterventionPlan, on_delete=models.PROTECT, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    approach = models.CharField(_("approach"), max_length=10, choices=InterventionApproach.choices)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    participants = models.CharField(_("who took part"), max_length=200, blank=True)
    summary = models.TextField(_("what was done"))
    progress = models.CharField(
        pgettext_lazy("session", "progress"),
        max_length=8,
        choices=SessionProgress.choices,
        blank=True,
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-held_at", "-id"]
        indexes = [models.Index(fields=["plan", "-held_at"], name="session_plan_held")]


class CareTeam(PublicModel):
    """A team of the centre that files are assigned to (CM-08: e.g. a psychological rescue
    team with its leader). Its members see and write in the team's files."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=60)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="care_teams", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]
