"""Pure rules for persons and follow-ups."""

import re
import unicodedata
from datetime import datetime, timedelta

FOLLOW_UP_RULE_VERSION = "follow-up-2026.1"
REMINDER_RULE_VERSION = "reminder-2026.1"

# Reminders of a scheduled follow-up (HL-06: overdue follow-ups are escalated).
DUE_SOON = "due_soon"  # to the assigned counsellor, within the lead time before it is due
OVERDUE = "overdue"  # to the assigned counsellor, once it is past due
ESCALATED = "escalated"  # to the organisation's supervisors, once it is past due

_PHONE_DROP = re.compile(r"[\s\-()（）]")


def normalise_identity(kind: str, value: str) -> str:
    """Canonical form of a phone number or chat id, so that one caller matches one hash.

    First the Unicode compatibility form (NFKC): full-width digits, plus sign and brackets from
    a Chinese input method and the ideographic space become their plain forms, so "１３８…"
    is the same caller as "138…". Phone: separators dropped, a leading +86/0086 removed. Chat
    ids: trimmed, lower case.
    """
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "phone":
        value = _PHONE_DROP.sub("", value)
        for prefix in ("+86", "0086"):
            if value.startswith(prefix):
                value = value[len(prefix) :]
        return value
    return value.lower()


def is_valid_phone(value: str) -> bool:
    # ASCII digits only: ``\d`` would also take digits of other scripts (e.g. Arabic-Indic),
    # which NFKC keeps and no telephone switch sends.
    return bool(re.fullmatch(r"\+?[0-9]{3,20}", value))


def is_repeated_caller(contacts_in_window: int, threshold: int) -> bool:
    """HL-08: more than ``threshold`` contacts within the window marks a repeated caller."""
    return contacts_in_window > threshold


def follow_up_deadline(booked_at: datetime, within_hours: int) -> datetime:
    return booked_at + timedelta(hours=within_hours)


def is_overdue(due_at: datetime, now: datetime) -> bool:
    return due_at < now


def reminders_due(due_at: datetime, now: datetime, lead: timedelta) -> frozenset[str]:
    """The reminders a still-scheduled follow-up should have by ``now``.

    From ``lead`` before it is due until the moment it is due: "due soon" to the counsellor.
    Once overdue (``is_overdue``): "overdue" to the counsellor and "escalated" to the
    supervisors. A follow-up first seen when already overdue gets no "due soon" reminder: it
    would come too late to mean anything.
    """
    if is_overdue(due_at, now):
        return frozenset({OVERDUE, ESCALATED})
    if now >= due_at - lead:
        return frozenset({DUE_SOON})
    return frozenset()


def retention_cutoff(now: datetime, years: int) -> datetime:
    """HL-13: activity before this moment is past the retention period of ``years`` years.

    Calendar years, so 29 February falls back to 28 February; never less than three years.
    """
    years = max(years, 3)
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)


# The person's file (CM-01) -------------------------------------------------------------------

FILE_RULE_VERSION = "file-2026.1"

# Case status transitions: open → active → closed (with a reason) → reopened → active/closed.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"active", "closed"}),
    "active": frozenset({"closed"}),
    "closed": frozenset({"reopened"}),
    "reopened": frozenset({"active", "closed"}),
}
OPEN_STATUSES = frozenset({"open", "active", "reopened"})

# A year of birth is plausible from 1900 to this year.
EARLIEST_BIRTH_YEAR = 1900


def can_move(status: str, to: str) -> bool:
    return to in STATUS_TRANSITIONS.get(status, frozenset())


# A mobile (11 digits from 13x–19x, written whole or 3-4-4) or a fixed line (0 + area code +
# 7–8 digits), never part of a longer run of digits (an ID-card, bank-card or a date-time).
_NOT_DIGIT_BEFORE = r"(?<![\dXx])"
_NOT_DIGIT_AFTER = r"(?![\dXx])"
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\+?86[\s\-]?|0086[\s\-]?)?(1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4})"
    + _NOT_DIGIT_AFTER
)
_FIXED = re.compile(_NOT_DIGIT_BEFORE + r"(0\d{2,3}[\s\-]?\d{7,8})" + _NOT_DIGIT_AFTER)


def phone_in(text: str) -> str:
    """The phone number in free text (a file's contact details), normalised as a caller's
    number is (``normalise_identity``): the first mobile, else the first fixed line; "" if
    there is none. Digits inside a longer number (an ID card, a bank card) are never taken."""
    text = unicodedata.normalize("NFKC", text or "")
    found = _MOBILE.search(text) or _FIXED.search(text)
    return normalise_identity("phone", found.group(1)) if found else ""


def normalise_name(name: str) -> str:
    """A name as the duplicate check compares it: NFKC, no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).lower()


def birth_year_problem(year: int | None, this_year: int) -> str | None:
    """None when the year is plausible (or not given), else the reason's key."""
    if year is None:
        return None
    if year < EARLIEST_BIRTH_YEAR:
        return "too_early"
    if year > this_year:
        return "future"
    return None


def is_minor(birth_year: int | None, this_year: int) -> bool:
    return birth_year is not None and this_year - birth_year < 18


# Referrals (CM-05) ---------------------------------------------------------------------------

REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "sent": frozenset({"accepted", "rejected", "closed"}),
    "accepted": frozenset({"seen", "closed"}),
    "seen": frozenset({"closed"}),
    "rejected": frozenset(),
    "closed": frozenset(),
}
# A referral stalls (shown overdue) when it stays sent or accepted longer than this, by urgency.
REFERRAL_STALL_HOURS = {"urgent": 24, "soon": 7 * 24, "routine": 14 * 24}


def referral_can_move(status: str, to: str) -> bool:
    return to in REFERRAL_TRANSITIONS.get(status, frozenset())


def referral_overdue(status: str, urgency: str, since: datetime, now: datetime) -> bool:
    """Sent and not accepted, or accepted and not seen, for longer than its urgency allows."""
    if status not in ("sent", "accepted"):
        return False
    return now - since > timedelta(hours=REFERRAL_STALL_HOURS.get(urgency, 14 * 24))


# The follow-up policy (CM-04) -----------------------------------------------------------------

POLICY_RULE_VERSION = "follow-up-policy-2026.1"
# After the Beijing centre's practice: the next day, 1 week, 1, 3 and 12 months after the contact.
DEFAULT_SCHEDULE_DAYS = (1, 7, 30, 90, 365)
DEFAULT_PROGRAMME_EVERY_DAYS = 182  # CM-04: at least once every six months
DEFAULT_INTENSIFIED_EVERY_DAYS = 3  # while a high-risk report to the community is open
MAX_SCHEDULE_DAYS = 730


def schedule_problem(days: list) -> str | None:
    """None when the schedule is 1–10 increasing whole days within two years, else why."""
    if not days or len(days) > 10:
        return "length"
    if any(not isinstance(d, int) or d < 1 or d > MAX_SCHEDULE_DAYS for d in days):
        return "range"
    if any(b <= a for a, b in zip(days, days[1:], strict=False)):
        return "order"
    return None


def next_follow_up(
    *,
    kind: str,
    step: int | None,
    anchor: datetime,
    now: datetime,
    schedule_days: list[int] | tuple[int, ...],
    programme_every_days: int,
    intensified_every_days: int,
    report_open: bool,
    file_open: bool,
) -> tuple[str, int | None, datetime] | None:
    """What the policy books after a follow-up was done and the result did not call for one
    within 24 hours: (kind, schedule step, due), or None.

    - A high-risk report is open: intensified, every ``intensified_every_days``; the step of the
      schedule it interrupted is kept.
    - A high-risk or schedule follow-up: the next step of the schedule, counted from the
      contact (``anchor``); a step already past is booked for tomorrow.
    - Otherwise, a person in the programme (an open file): every ``programme_every_days``.
    """
    if report_open:
        return "intensified", step, now + timedelta(days=intensified_every_days)
    in_schedule = kind in ("high_risk", "schedule") or (kind == "intensified" and step is not None)
    if in_schedule:
        next_step = (step or 0) + 1
        if next_step < len(schedule_days):
            due = anchor + timedelta(days=schedule_days[next_step])
            return "schedule", next_step, max(due, now + timedelta(days=1))
    if file_open:
        return "programme", None, now + timedelta(days=programme_every_days)
    return None


def escalation_day(now_local: datetime):
    """The day an overdue follow-up's escalation counts for (local date)."""
    return now_local.date()


# Merging two files of one person (CM-01) ------------------------------------------------------

MERGE_UNDO_DAYS = 30


def merge_undo_until(merged_at: datetime) -> datetime:
    return merged_at + timedelta(days=MERGE_UNDO_DAYS)
