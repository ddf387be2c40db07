"""Pure rules of the hotline: the suicide-risk level (HL-04).

No ORM here. Documented in docs/risk-rule.md; every change bumps RISK_RULE_VERSION and the
table-driven tests in tests/test_rules.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

RISK_RULE_VERSION = "risk-2026.2"

LOW, MODERATE, HIGH, IMMINENT = "low", "moderate", "high", "imminent"
RISK_LEVELS = (LOW, MODERATE, HIGH, IMMINENT)
RISK_ORDER = {level: index for index, level in enumerate(RISK_LEVELS)}
HIGH_LEVELS = (HIGH, IMMINENT)

PLAN_TIMINGS = ("none", "within_72h", "within_week", "later", "unknown")
LETHALITIES = ("none", "low", "medium", "high", "unknown")
LAST_ATTEMPTS = ("never", "within_2_weeks", "within_year", "longer_ago", "unknown")

# Thresholds on the 0–10 scales of the guide's annex 1.
IDEATION_MODERATE_AT = 4
IDEATION_HIGH_AT = 7
HOPELESSNESS_MODERATE_AT = 7
HOPELESSNESS_HIGH_AT = 7

REASON_TEXT = {
    "act_in_progress": _("An act just before or during the contact"),
    "plan_within_72h": _("A plan to act within 72 hours"),
    "plan_within_72h_means": _("A plan within 72 hours with the means at hand"),
    "plan_within_72h_lethal": _(
        "A plan within 72 hours with a highly lethal method (or lethality unknown or not assessed)"
    ),
    "plan_within_week": _("A plan to act within a week"),
    "plan_other": _("A suicide plan (timing later or unknown)"),
    "plan_lethal_means": _(
        "A plan with the means at hand and a method that is highly lethal, "
        "of unknown lethality or not assessed"
    ),
    "ideation_strong_hopeless": _(
        "Strong suicidal ideation (≥7) with strong hopelessness (≥7): likely to act within a week"
    ),
    "ideation_recent_attempt": _("Suicidal ideation and an attempt within the last 2 weeks"),
    "ideation_intense": _("Suicidal ideation of intensity 4 or more"),
    "ideation_past_attempt": _(
        "Suicidal ideation, with a past suicide attempt or an unknown attempt history"
    ),
    "ideation_relative_suicide": _("Suicidal ideation and suicide among relatives or friends"),
    "ideation_means": _("Suicidal ideation and means at hand"),
    "ideation": _("Suicidal ideation of low intensity, no other factor"),
    "hopelessness": _("Strong hopelessness (≥7)"),
    "recent_attempt": _("A suicide attempt within the last 2 weeks"),
    "past_attempt": _(
        "A past suicide attempt or an unknown attempt history; no suicidal ideation now"
    ),
    "relative_suicide": _("Suicide among relatives or friends, no ideation now"),
    "means_no_ideation": _("Means at hand, no ideation now"),
    "no_factor": _("No suicide-risk factor reported"),
}


class RiskInputError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field_name = field_name
        self.message = message


@dataclass(frozen=True)
class RiskFactors:
    ideation: bool = False
    ideation_intensity: int = 0
    hopelessness: int = 0
    has_plan: bool = False
    plan_timing: str = "none"
    method_lethality: str = "none"
    means_at_hand: bool = False
    act_in_progress: bool = False
    last_attempt: str = "never"
    relative_or_friend_suicide: bool = False

    def validate(self) -> None:
        for name in ("ideation_intensity", "hopelessness"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise RiskInputError(name, str(_("must be a whole number from 0 to 10")))
        for name, allowed in (
            ("plan_timing", PLAN_TIMINGS),
            ("method_lethality", LETHALITIES),
            ("last_attempt", LAST_ATTEMPTS),
        ):
            if getattr(self, name) not in allowed:
                raise RiskInputError(
                    name, str(_("must be one of %(values)s") % {"values": ", ".join(allowed)})
                )
        for name in (
            "ideation",
            "has_plan",
            "means_at_hand",
            "act_in_progress",
            "relative_or_friend_suicide",
        ):
            if not isinstance(getattr(self, name), bool):
                raise RiskInputError(name, str(_("must be true or false")))
        if not self.ideation and self.ideation_intensity > 0:
            raise RiskInputError(
                "ideation_intensity",
                str(_("must be 0 when no suicidal ideation is reported")),
            )


@dataclass(frozen=True)
class RiskResult:
    level: str
    rule_version: str
    reason_codes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reasons(self) -> list[str]:
        return [str(REASON_TEXT[code]) for code in self.reason_codes]


def max_level(*levels: str) -> str:
    return max(levels, key=RISK_ORDER.__getitem__)


def derive_risk_level(f: RiskFactors) -> RiskResult:
    """Derive low / moderate / high / imminent from the annex-1 factors.

    Every factor can only raise the level (monotone); the reasons name each factor that set
    the final level or raised it. See docs/risk-rule.md for the sources.
    """
    f.validate()
    found: list[tuple[str, str]] = []  # (level, reason code)

    def add(level: str, code: str) -> None:
        found.append((level, code))

    # Beijing Psychological Crisis Research and Intervention Center, high-risk caller:
    # (1) an act just before or during the call.
    if f.act_in_progress:
        add(IMMINENT, "act_in_progress")
    # A plan timing or a method's lethality given without ticking "has plan" still counts as a
    # plan: a forgotten checkbox must never hide a plan.
    if f.has_plan or f.plan_timing != "none" or f.method_lethality != "none":
        timing = "unknown" if f.plan_timing == "none" else f.plan_timing
        # Within a plan, a lethality left at "none" means "not assessed": treated as unknown,
        # and unknown counts as lethal.
        lethal = f.method_lethality in ("high", "unknown", "none")
        if timing == "within_72h":
            # (2) a plan to act within 72 hours.
            add(HIGH, "plan_within_72h")
            if f.means_at_hand:
                add(IMMINENT, "plan_within_72h_means")
            if lethal:
                add(IMMINENT, "plan_within_72h_lethal")
        elif timing == "within_week":
            # (3) likely to act within a week.
            add(HIGH, "plan_within_week")
        else:
            add(MODERATE, "plan_other")
        if timing != "within_72h" and f.means_at_hand and lethal:
            add(HIGH, "plan_lethal_means")
    if f.ideation:
        intensity = f.ideation_intensity
        if intensity >= IDEATION_HIGH_AT and f.hopelessness >= HOPELESSNESS_HIGH_AT:
            add(HIGH, "ideation_strong_hopeless")
        if f.last_attempt == "within_2_weeks":
            add(HIGH, "ideation_recent_attempt")
        if intensity >= IDEATION_MODERATE_AT:
            add(MODERATE, "ideation_intense")
        if f.last_attempt in ("within_year", "longer_ago", "unknown"):
            add(MODERATE, "ideation_past_attempt")
        if f.relative_or_friend_suicide:
            add(MODERATE, "ideation_relative_suicide")
        if f.means_at_hand:
            add(MODERATE, "ideation_means")
        add(LOW, "ideation")
    if f.hopelessness >= HOPELESSNESS_MODERATE_AT:
        add(MODERATE, "hopelessness")
    if f.last_attempt == "within_2_weeks":
        add(MODERATE, "recent_attempt")
    elif not f.ideation and f.last_attempt in ("within_year", "longer_ago", "unknown"):
        add(LOW, "past_attempt")
    if not f.ideation and f.relative_or_friend_suicide:
        add(LOW, "relative_suicide")
    if not f.ideation and f.means_at_hand:
        add(LOW, "means_no_ideation")

    if not found:
        return RiskResult(LOW, RISK_RULE_VERSION, ("no_factor",))
    level = max_level(*(lvl for lvl, _code in found))
    # Reasons: those at the final level first, then the rest (highest first), without the
    # "low ideation" filler when anything else applies.
    ordered = sorted(found, key=lambda item: -RISK_ORDER[item[0]])
    codes = [code for lvl, code in ordered if not (code == "ideation" and len(found) > 1)]
    return RiskResult(level, RISK_RULE_VERSION, tuple(dict.fromkeys(codes)))


def override_reason_required(*, derived: str, final: str, previous_final: str | None) -> bool:
    """A reason is required whenever the counsellor's level is not the proposal: above the
    derived level, or below it, or below a level already judged earlier in the same contact.
    Accepting the proposal (which keeps an earlier, higher judgement) needs none."""
    return final != proposed_final_level(derived=derived, previous_final=previous_final)


def proposed_final_level(*, derived: str, previous_final: str | None) -> str:
    """What the form proposes: never lower than a level a counsellor already set."""
    return max_level(derived, previous_final) if previous_final else derived


def is_high_risk(level: str | None) -> bool:
    return level in (HIGH, IMMINENT)


# The returning caller ------------------------------------------------------------------------

# The caller profile of stage 1 (HL-01) a known caller's next contact starts from.
CALLER_PROFILE_FIELDS = (
    "about",
    "caller_gender",
    "caller_age_group",
    "caller_education",
    "caller_work_status",
    "caller_marital_status",
    "caller_prior_treatment",
)
# A caller whose contacts were ended as harassment this many times within the window carries a
# warning on their next contact (HL-07).
HARASSMENT_WARNING_COUNT = 2
HARASSMENT_WINDOW_DAYS = 30


def profile_prefill(
    *, previous: dict[str, str], current: dict[str, str], defaults: dict[str, str]
) -> dict[str, str]:
    """The profile values a new contact takes from the caller's previous one: each field still
    at its default here and known (not the default) there. Nothing the counsellor set is
    replaced."""
    return {
        name: previous[name]
        for name in CALLER_PROFILE_FIELDS
        if current.get(name) == defaults[name]
        and previous.get(name, defaults[name]) != defaults[name]
    }


def harassment_warning(flagged_in_window: int) -> bool:
    """Flagged as harassment often enough within the window for the warning banner."""
    return flagged_in_window >= HARASSMENT_WARNING_COUNT
