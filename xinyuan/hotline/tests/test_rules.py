"""The suicide-risk rule (HL-04), table-driven. See docs/risk-rule.md.

Every change to xinyuan/hotline/rules.py bumps RISK_RULE_VERSION and updates these tables.
"""

from __future__ import annotations

import itertools

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyuan.hotline.rules import (
    HIGH,
    IMMINENT,
    LAST_ATTEMPTS,
    LETHALITIES,
    LOW,
    MODERATE,
    PLAN_TIMINGS,
    REASON_TEXT,
    RISK_LEVELS,
    RISK_ORDER,
    RISK_RULE_VERSION,
    RiskFactors,
    RiskInputError,
    derive_risk_level,
    is_high_risk,
    max_level,
    override_reason_required,
    proposed_final_level,
)

# The level each reason code stands for (the same table as in docs/risk-rule.md).
CODE_LEVEL = {
    "act_in_progress": IMMINENT,
    "plan_within_72h_means": IMMINENT,
    "plan_within_72h_lethal": IMMINENT,
    "plan_within_72h": HIGH,
    "plan_within_week": HIGH,
    "plan_lethal_means": HIGH,
    "ideation_strong_hopeless": HIGH,
    "ideation_recent_attempt": HIGH,
    "plan_other": MODERATE,
    "ideation_intense": MODERATE,
    "ideation_past_attempt": MODERATE,
    "ideation_relative_suicide": MODERATE,
    "ideation_means": MODERATE,
    "hopelessness": MODERATE,
    "recent_attempt": MODERATE,
    "past_attempt": LOW,
    "relative_suicide": LOW,
    "means_no_ideation": LOW,
    "ideation": LOW,
    "no_factor": LOW,
}

# The codes set by the plan rows (rows 2–7 of docs/risk-rule.md).
PLAN_CODES = frozenset(
    {
        "plan_within_72h",
        "plan_within_72h_means",
        "plan_within_72h_lethal",
        "plan_within_week",
        "plan_other",
        "plan_lethal_means",
    }
)

# Within a plan, the lethalities that count like "high": a lethality that is unknown or was not
# assessed ("none", labelled "Not assessed") is never assumed to be safe. Only "low" and
# "medium" count as not lethal.
LETHAL = ("high", "unknown", "none")
NOT_LETHAL = ("low", "medium")
# The lethal values that are also a plan by themselves (a lethality given implies a method).
# "none" (not assessed) alone is no plan: it counts as lethal only once a plan counts.
LETHAL_GIVEN = ("high", "unknown")

BOOLEAN_FACTORS = (
    "ideation",
    "has_plan",
    "means_at_hand",
    "act_in_progress",
    "relative_or_friend_suicide",
)

# For every reason code: factors that reach it, and the exact level and reasons they give.
# The first reason is the code itself, so each entry derives the level that code stands for.
REACHING: dict[str, tuple[dict, str, tuple[str, ...]]] = {
    "act_in_progress": ({"act_in_progress": True}, IMMINENT, ("act_in_progress",)),
    "plan_within_72h_means": (
        {
            "ideation": True,
            "has_plan": True,
            "plan_timing": "within_72h",
            "method_lethality": "medium",
            "means_at_hand": True,
        },
        IMMINENT,
        ("plan_within_72h_means", "plan_within_72h", "ideation_means"),
    ),
    "plan_within_72h_lethal": (
        {"plan_timing": "within_72h", "method_lethality": "unknown"},
        IMMINENT,
        ("plan_within_72h_lethal", "plan_within_72h"),
    ),
    "plan_within_72h": (
        {"has_plan": True, "plan_timing": "within_72h", "method_lethality": "low"},
        HIGH,
        ("plan_within_72h",),
    ),
    "plan_within_week": ({"plan_timing": "within_week"}, HIGH, ("plan_within_week",)),
    "plan_lethal_means": (
        {"ideation": True, "has_plan": True, "method_lethality": "unknown", "means_at_hand": True},
        HIGH,
        ("plan_lethal_means", "plan_other", "ideation_means"),
    ),
    "ideation_strong_hopeless": (
        {"ideation": True, "ideation_intensity": 7, "hopelessness": 7},
        HIGH,
        ("ideation_strong_hopeless", "ideation_intense", "hopelessness"),
    ),
    "ideation_recent_attempt": (
        {"ideation": True, "last_attempt": "within_2_weeks"},
        HIGH,
        ("ideation_recent_attempt", "recent_attempt"),
    ),
    "plan_other": ({"plan_timing": "later"}, MODERATE, ("plan_other",)),
    "ideation_intense": (
        {"ideation": True, "ideation_intensity": 4},
        MODERATE,
        ("ideation_intense",),
    ),
    "ideation_past_attempt": (
        {"ideation": True, "last_attempt": "unknown"},
        MODERATE,
        ("ideation_past_attempt",),
    ),
    "ideation_relative_suicide": (
        {"ideation": True, "relative_or_friend_suicide": True},
        MODERATE,
        ("ideation_relative_suicide",),
    ),
    "ideation_means": (
        {"ideation": True, "means_at_hand": True},
        MODERATE,
        ("ideation_means",),
    ),
    "hopelessness": ({"hopelessness": 7}, MODERATE, ("hopelessness",)),
    "recent_attempt": ({"last_attempt": "within_2_weeks"}, MODERATE, ("recent_attempt",)),
    "past_attempt": ({"last_attempt": "longer_ago"}, LOW, ("past_attempt",)),
    "relative_suicide": ({"relative_or_friend_suicide": True}, LOW, ("relative_suicide",)),
    "means_no_ideation": ({"means_at_hand": True}, LOW, ("means_no_ideation",)),
    "ideation": ({"ideation": True, "ideation_intensity": 3}, LOW, ("ideation",)),
    "no_factor": ({}, LOW, ("no_factor",)),
}


def derive(**kwargs):
    return derive_risk_level(RiskFactors(**kwargs))


def at_least(level: str, floor: str) -> bool:
    return RISK_ORDER[level] >= RISK_ORDER[floor]


# (description, factors, expected level, reason codes that must be present)
CASES: list[tuple[str, dict, str, tuple[str, ...]]] = [
    # No factor at all.
    ("nothing reported", {}, LOW, ("no_factor",)),
    # Ideation intensity: boundaries 3/4 and 6/7.
    ("ideation, intensity 0", {"ideation": True}, LOW, ("ideation",)),
    ("ideation, intensity 3", {"ideation": True, "ideation_intensity": 3}, LOW, ("ideation",)),
    (
        "ideation, intensity 4",
        {"ideation": True, "ideation_intensity": 4},
        MODERATE,
        ("ideation_intense",),
    ),
    (
        "ideation, intensity 6",
        {"ideation": True, "ideation_intensity": 6},
        MODERATE,
        ("ideation_intense",),
    ),
    (
        "ideation, intensity 7, no hopelessness",
        {"ideation": True, "ideation_intensity": 7},
        MODERATE,
        ("ideation_intense",),
    ),
    (
        "ideation, intensity 10, no hopelessness",
        {"ideation": True, "ideation_intensity": 10},
        MODERATE,
        ("ideation_intense",),
    ),
    (
        "ideation 7 with hopelessness 6",
        {"ideation": True, "ideation_intensity": 7, "hopelessness": 6},
        MODERATE,
        ("ideation_intense",),
    ),
    (
        "ideation 6 with hopelessness 7",
        {"ideation": True, "ideation_intensity": 6, "hopelessness": 7},
        MODERATE,
        ("ideation_intense", "hopelessness"),
    ),
    (
        "ideation 7 with hopelessness 7 (likely within a week)",
        {"ideation": True, "ideation_intensity": 7, "hopelessness": 7},
        HIGH,
        ("ideation_strong_hopeless", "ideation_intense", "hopelessness"),
    ),
    (
        "ideation 10 with hopelessness 10",
        {"ideation": True, "ideation_intensity": 10, "hopelessness": 10},
        HIGH,
        ("ideation_strong_hopeless",),
    ),
    (
        "weak ideation with strong hopelessness",
        {"ideation": True, "ideation_intensity": 3, "hopelessness": 7},
        MODERATE,
        ("hopelessness",),
    ),
    # Hopelessness alone: boundary 6/7.
    ("hopelessness 6 alone", {"hopelessness": 6}, LOW, ("no_factor",)),
    ("hopelessness 7 alone", {"hopelessness": 7}, MODERATE, ("hopelessness",)),
    ("hopelessness 10 alone", {"hopelessness": 10}, MODERATE, ("hopelessness",)),
    # An act just before or during the contact.
    ("act in progress alone", {"act_in_progress": True}, IMMINENT, ("act_in_progress",)),
    (
        "act in progress while denying ideation and plan",
        {"act_in_progress": True, "ideation": False, "has_plan": False},
        IMMINENT,
        ("act_in_progress",),
    ),
    (
        "act in progress with every other factor",
        {
            "act_in_progress": True,
            "ideation": True,
            "ideation_intensity": 10,
            "hopelessness": 10,
            "has_plan": True,
            "plan_timing": "within_72h",
            "method_lethality": "high",
            "means_at_hand": True,
            "last_attempt": "within_2_weeks",
            "relative_or_friend_suicide": True,
        },
        IMMINENT,
        ("act_in_progress", "plan_within_72h_means", "plan_within_72h_lethal"),
    ),
    # A plan whose timing was not recorded counts as an unknown timing; within a plan, a
    # lethality left at "none" (not assessed) counts like "unknown", i.e. lethal.
    (
        "plan, timing not recorded",
        {"has_plan": True},
        MODERATE,
        ("plan_other",),
    ),
    (
        "plan, timing not recorded, lethality not assessed, means at hand",
        {"has_plan": True, "means_at_hand": True},
        HIGH,
        ("plan_lethal_means", "plan_other", "means_no_ideation"),
    ),
    (
        "plan, timing not recorded, medium-lethality means at hand",
        {"has_plan": True, "method_lethality": "medium", "means_at_hand": True},
        MODERATE,
        ("plan_other", "means_no_ideation"),
    ),
    (
        "plan, timing not recorded, lethal means at hand",
        {"has_plan": True, "method_lethality": "high", "means_at_hand": True},
        HIGH,
        ("plan_lethal_means",),
    ),
    (
        "plan, timing not recorded, unknown-lethality means at hand",
        {"has_plan": True, "method_lethality": "unknown", "means_at_hand": True},
        HIGH,
        ("plan_lethal_means",),
    ),
    # Within 72 hours: only a "low" or "medium" lethality keeps the plan at high (without the
    # means at hand); "high", "unknown" and "none" (not assessed) make it imminent.
    (
        "plan within 72 hours, lethality low",
        {"has_plan": True, "plan_timing": "within_72h", "method_lethality": "low"},
        HIGH,
        ("plan_within_72h",),
    ),
    (
        "plan within 72 hours, lethality medium",
        {"has_plan": True, "plan_timing": "within_72h", "method_lethality": "medium"},
        HIGH,
        ("plan_within_72h",),
    ),
    (
        "plan within 72 hours, lethality high",
        {"has_plan": True, "plan_timing": "within_72h", "method_lethality": "high"},
        IMMINENT,
        ("plan_within_72h_lethal", "plan_within_72h"),
    ),
    (
        "plan within 72 hours, lethality not assessed",
        {"has_plan": True, "plan_timing": "within_72h", "method_lethality": "none"},
        IMMINENT,
        ("plan_within_72h_lethal", "plan_within_72h"),
    ),
    # A plan timing counts as a plan even when "has plan" was not ticked.
    (
        "timing within 72 hours, has_plan unticked, lethality not assessed",
        {"plan_timing": "within_72h"},
        IMMINENT,
        ("plan_within_72h_lethal", "plan_within_72h"),
    ),
    (
        "timing within 72 hours, has_plan unticked, lethality medium",
        {"plan_timing": "within_72h", "method_lethality": "medium"},
        HIGH,
        ("plan_within_72h",),
    ),
    (
        "timing within 72 hours, has_plan unticked, lethality unknown",
        {"plan_timing": "within_72h", "method_lethality": "unknown"},
        IMMINENT,
        ("plan_within_72h_lethal", "plan_within_72h"),
    ),
    (
        "timing within a week, has_plan unticked",
        {"plan_timing": "within_week"},
        HIGH,
        ("plan_within_week",),
    ),
    (
        "timing later, has_plan unticked",
        {"plan_timing": "later"},
        MODERATE,
        ("plan_other",),
    ),
    (
        "timing unknown, has_plan unticked, lethal means at hand",
        {"plan_timing": "unknown", "method_lethality": "high", "means_at_hand": True},
        HIGH,
        ("plan_lethal_means", "plan_other"),
    ),
    # Lethal (or unknown- or unassessed-lethality) means at hand raise a plan within a week too.
    (
        "plan within a week, means at hand, lethality not assessed",
        {"has_plan": True, "plan_timing": "within_week", "means_at_hand": True},
        HIGH,
        ("plan_within_week", "plan_lethal_means"),
    ),
    (
        "plan later, means at hand, lethality not assessed",
        {"has_plan": True, "plan_timing": "later", "means_at_hand": True},
        HIGH,
        ("plan_lethal_means", "plan_other"),
    ),
    (
        "plan later, means not at hand, lethality not assessed",
        {"has_plan": True, "plan_timing": "later"},
        MODERATE,
        ("plan_other",),
    ),
    (
        "plan within a week, unknown-lethality means at hand",
        {
            "has_plan": True,
            "plan_timing": "within_week",
            "method_lethality": "unknown",
            "means_at_hand": True,
        },
        HIGH,
        ("plan_within_week", "plan_lethal_means"),
    ),
    (
        "plan within 72 hours with ideation and means, lethality not assessed",
        {
            "ideation": True,
            "ideation_intensity": 2,
            "has_plan": True,
            "plan_timing": "within_72h",
            "means_at_hand": True,
        },
        IMMINENT,
        (
            "plan_within_72h_means",
            "plan_within_72h_lethal",
            "plan_within_72h",
            "ideation_means",
        ),
    ),
    (
        "plan within 72 hours with ideation and low-lethality means",
        {
            "ideation": True,
            "ideation_intensity": 2,
            "has_plan": True,
            "plan_timing": "within_72h",
            "method_lethality": "low",
            "means_at_hand": True,
        },
        IMMINENT,
        ("plan_within_72h_means", "plan_within_72h", "ideation_means"),
    ),
    (
        "plan later with ideation and non-lethal means",
        {
            "ideation": True,
            "has_plan": True,
            "plan_timing": "later",
            "method_lethality": "low",
            "means_at_hand": True,
        },
        MODERATE,
        ("plan_other", "ideation_means"),
    ),
    (
        "plan later with non-lethal means, no ideation",
        {
            "has_plan": True,
            "plan_timing": "later",
            "method_lethality": "medium",
            "means_at_hand": True,
        },
        MODERATE,
        ("plan_other", "means_no_ideation"),
    ),
    # Past attempts, with and without current ideation.
    ("never attempted, no ideation", {"last_attempt": "never"}, LOW, ("no_factor",)),
    (
        "never attempted, ideation",
        {"ideation": True, "ideation_intensity": 1, "last_attempt": "never"},
        LOW,
        ("ideation",),
    ),
    (
        "attempt within 2 weeks, no ideation",
        {"last_attempt": "within_2_weeks"},
        MODERATE,
        ("recent_attempt",),
    ),
    (
        "attempt within 2 weeks, ideation",
        {"ideation": True, "ideation_intensity": 1, "last_attempt": "within_2_weeks"},
        HIGH,
        ("ideation_recent_attempt", "recent_attempt"),
    ),
    (
        "attempt within a year, no ideation",
        {"last_attempt": "within_year"},
        LOW,
        ("past_attempt",),
    ),
    (
        "attempt within a year, ideation",
        {"ideation": True, "ideation_intensity": 1, "last_attempt": "within_year"},
        MODERATE,
        ("ideation_past_attempt",),
    ),
    ("attempt longer ago, no ideation", {"last_attempt": "longer_ago"}, LOW, ("past_attempt",)),
    (
        "attempt longer ago, ideation",
        {"ideation": True, "ideation_intensity": 1, "last_attempt": "longer_ago"},
        MODERATE,
        ("ideation_past_attempt",),
    ),
    (
        "attempt history unknown, no ideation",
        {"last_attempt": "unknown"},
        LOW,
        ("past_attempt",),
    ),
    (
        "attempt history unknown, ideation",
        {"ideation": True, "ideation_intensity": 1, "last_attempt": "unknown"},
        MODERATE,
        ("ideation_past_attempt",),
    ),
    (
        "past attempt with strong hopelessness, no ideation",
        {"last_attempt": "longer_ago", "hopelessness": 7},
        MODERATE,
        ("hopelessness", "past_attempt"),
    ),
    # Suicide among relatives or friends.
    (
        "relative or friend suicide, no ideation",
        {"relative_or_friend_suicide": True},
        LOW,
        ("relative_suicide",),
    ),
    (
        "relative or friend suicide, ideation",
        {"ideation": True, "ideation_intensity": 1, "relative_or_friend_suicide": True},
        MODERATE,
        ("ideation_relative_suicide",),
    ),
    # Means at hand.
    ("means at hand alone", {"means_at_hand": True}, LOW, ("means_no_ideation",)),
    # A method lethality counts as a plan even without has_plan and without a timing: a
    # lethality implies a method, i.e. a plan, whose timing is then unknown.
    (
        "lethality low, has_plan unticked, no timing",
        {"method_lethality": "low"},
        MODERATE,
        ("plan_other",),
    ),
    (
        "lethality high, has_plan unticked, no timing, means not at hand",
        {"method_lethality": "high"},
        MODERATE,
        ("plan_other",),
    ),
    (
        "lethality high with means at hand, has_plan unticked, no timing, no ideation",
        {"means_at_hand": True, "method_lethality": "high"},
        HIGH,
        ("plan_lethal_means", "plan_other", "means_no_ideation"),
    ),
    (
        "lethality unknown with means at hand, has_plan unticked, no timing, ideation",
        {"ideation": True, "means_at_hand": True, "method_lethality": "unknown"},
        HIGH,
        ("plan_lethal_means", "plan_other", "ideation_means"),
    ),
    (
        "lethality medium with means at hand, has_plan unticked, no timing",
        {"means_at_hand": True, "method_lethality": "medium"},
        MODERATE,
        ("plan_other", "means_no_ideation"),
    ),
    # "none" (not assessed) alone is no plan: with neither has_plan nor a timing it adds nothing.
    (
        "lethality not assessed with means at hand, has_plan unticked, no timing",
        {"means_at_hand": True, "method_lethality": "none"},
        LOW,
        ("means_no_ideation",),
    ),
    (
        "lethality not assessed with ideation and means, has_plan unticked, no timing",
        {"ideation": True, "means_at_hand": True, "method_lethality": "none"},
        MODERATE,
        ("ideation_means",),
    ),
    (
        "means at hand with ideation",
        {"ideation": True, "ideation_intensity": 1, "means_at_hand": True},
        MODERATE,
        ("ideation_means",),
    ),
    # Every low-level factor without ideation: still low, but each one is named.
    (
        "past attempt, relative suicide and means, no ideation",
        {
            "last_attempt": "within_year",
            "relative_or_friend_suicide": True,
            "means_at_hand": True,
        },
        LOW,
        ("past_attempt", "relative_suicide", "means_no_ideation"),
    ),
    # Everything combined short of an act or a near plan.
    (
        "intense ideation, past attempt, relative suicide, means",
        {
            "ideation": True,
            "ideation_intensity": 5,
            "last_attempt": "within_year",
            "relative_or_friend_suicide": True,
            "means_at_hand": True,
        },
        MODERATE,
        (
            "ideation_intense",
            "ideation_past_attempt",
            "ideation_relative_suicide",
            "ideation_means",
        ),
    ),
]


def _plan_expectation(
    has_plan: bool, timing: str, means: bool, lethality: str
) -> tuple[str | None, tuple[str, ...]]:
    """The plan rows of docs/risk-rule.md, written out for every has_plan × timing × means ×
    lethality: the level the plan rows set (None when no plan counts) and exactly their codes."""
    if not has_plan and timing == "none" and lethality == "none":
        # Neither ticked, timed nor a lethality given: no plan counts (means alone are no plan,
        # and neither is a lethality left at "none", i.e. not assessed).
        return None, ()
    # A plan counts. From here on "none" means the lethality was not assessed: it counts like
    # "unknown", i.e. lethal (LETHAL); only "low" and "medium" are not lethal.
    if timing == "within_72h":
        codes = ["plan_within_72h"]
        if means:
            codes.append("plan_within_72h_means")
        if lethality in LETHAL:
            codes.append("plan_within_72h_lethal")
        return (IMMINENT if len(codes) > 1 else HIGH), tuple(codes)
    if timing == "within_week":
        codes = ["plan_within_week"]
    else:
        # "later", "unknown" and "none" (a plan, ticked or implied by a lethality, whose timing
        # was not recorded).
        codes = ["plan_other"]
    if means and lethality in LETHAL:
        codes.append("plan_lethal_means")
        return HIGH, tuple(codes)
    return (HIGH if timing == "within_week" else MODERATE), tuple(codes)


def _plan_cases(*, ideation: bool) -> list[tuple[str, dict, str, tuple[str, ...]]]:
    cases = []
    for has_plan, timing, means, lethality in itertools.product(
        (True, False), PLAN_TIMINGS, (False, True), LETHALITIES
    ):
        plan_level, plan_codes = _plan_expectation(has_plan, timing, means, lethality)
        # Besides the plan rows only means at hand applies here: ideation_means (moderate)
        # with ideation, means_no_ideation (low) without.
        other_level = MODERATE if (means and ideation) else LOW
        cases.append(
            (
                f"has_plan {has_plan}, timing {timing}, "
                f"means {'at hand' if means else 'not at hand'}, lethality {lethality}"
                + (", with ideation" if ideation else ""),
                {
                    "ideation": ideation,
                    "has_plan": has_plan,
                    "plan_timing": timing,
                    "means_at_hand": means,
                    "method_lethality": lethality,
                },
                max_level(plan_level or LOW, other_level),
                plan_codes,
            )
        )
    return cases


PLAN_CASES = _plan_cases(ideation=False)


class RiskRuleTableTests(SimpleTestCase):
    def check_cases(self, cases):
        for description, kwargs, level, codes in cases:
            with self.subTest(description):
                result = derive(**kwargs)
                self.assertEqual(result.level, level, result.reason_codes)
                for code in codes:
                    self.assertIn(code, result.reason_codes)
                self.assertEqual(result.rule_version, RISK_RULE_VERSION)

    def check_plan_cases(self, cases):
        self.check_cases(cases)
        for description, kwargs, _level, codes in cases:
            with self.subTest(description):
                # Exactly the plan codes of the table: no more, no fewer.
                plan_codes = PLAN_CODES.intersection(derive(**kwargs).reason_codes)
                self.assertEqual(plan_codes, set(codes))

    def test_each_factor_and_boundary_gives_the_tabled_level_and_reasons(self):
        self.check_cases(CASES)

    def test_each_plan_timing_with_and_without_has_plan_means_and_each_lethality(self):
        self.assertEqual(len(PLAN_CASES), 2 * len(PLAN_TIMINGS) * 2 * len(LETHALITIES))
        self.check_plan_cases(PLAN_CASES)

    def test_the_plan_table_holds_with_ideation_too(self):
        self.check_plan_cases(_plan_cases(ideation=True))

    def test_a_plan_timing_counts_as_a_plan_without_has_plan(self):
        for timing in PLAN_TIMINGS:
            if timing == "none":
                continue
            for lethality, means in itertools.product(LETHALITIES, (False, True)):
                with self.subTest(timing=timing, lethality=lethality, means=means):
                    ticked = derive(
                        has_plan=True,
                        plan_timing=timing,
                        method_lethality=lethality,
                        means_at_hand=means,
                    )
                    unticked = derive(
                        has_plan=False,
                        plan_timing=timing,
                        method_lethality=lethality,
                        means_at_hand=means,
                    )
                    self.assertEqual(unticked, ticked)
        result = derive(plan_timing="later", method_lethality="high")
        self.assertEqual((result.level, result.reason_codes), (MODERATE, ("plan_other",)))

    def test_a_method_lethality_counts_as_a_plan_without_has_plan(self):
        for lethality in LETHALITIES:
            if lethality == "none":
                continue
            for timing, means, ideation in itertools.product(
                PLAN_TIMINGS, (False, True), (False, True)
            ):
                with self.subTest(
                    lethality=lethality, timing=timing, means=means, ideation=ideation
                ):
                    kwargs = {
                        "ideation": ideation,
                        "plan_timing": timing,
                        "method_lethality": lethality,
                        "means_at_hand": means,
                    }
                    unticked = derive(has_plan=False, **kwargs)
                    self.assertEqual(unticked, derive(has_plan=True, **kwargs))
                    self.assertTrue(PLAN_CODES.intersection(unticked.reason_codes))

    def test_a_lethality_without_a_timing_counts_as_an_unknown_timing(self):
        for has_plan, lethality, means in itertools.product(
            (False, True), LETHALITIES, (False, True)
        ):
            if not has_plan and lethality == "none":
                continue  # no plan at all
            with self.subTest(has_plan=has_plan, lethality=lethality, means=means):
                kwargs = {
                    "has_plan": has_plan,
                    "method_lethality": lethality,
                    "means_at_hand": means,
                }
                self.assertEqual(
                    derive(plan_timing="none", **kwargs), derive(plan_timing="unknown", **kwargs)
                )
        result = derive(method_lethality="low")
        self.assertEqual((result.level, result.reason_codes), (MODERATE, ("plan_other",)))

    def test_means_alone_are_no_plan(self):
        for ideation in (False, True):
            with self.subTest(ideation=ideation):
                result = derive(ideation=ideation, means_at_hand=True)
                self.assertFalse(PLAN_CODES.intersection(result.reason_codes))
                self.assertEqual(result.level, MODERATE if ideation else LOW)

    def test_a_lethality_not_assessed_alone_is_no_plan(self):
        # "none" (not assessed) counts as lethal only within a plan; on its own, with neither
        # has_plan nor a timing, it is no plan and gives exactly what the other factors give.
        for ideation, means in itertools.product((False, True), (False, True)):
            with self.subTest(ideation=ideation, means=means):
                result = derive(ideation=ideation, means_at_hand=means, method_lethality="none")
                self.assertFalse(PLAN_CODES.intersection(result.reason_codes))
                self.assertEqual(result, derive(ideation=ideation, means_at_hand=means))
        self.assertEqual(
            derive(means_at_hand=True, method_lethality="none").reason_codes,
            ("means_no_ideation",),
        )

    def test_a_lethality_not_assessed_counts_like_unknown_and_high_within_a_plan(self):
        for has_plan, timing, means, ideation in itertools.product(
            (False, True), PLAN_TIMINGS, (False, True), (False, True)
        ):
            if not has_plan and timing == "none":
                continue  # "none" alone is no plan (previous test)
            with self.subTest(has_plan=has_plan, timing=timing, means=means, ideation=ideation):
                kwargs = {
                    "ideation": ideation,
                    "has_plan": has_plan,
                    "plan_timing": timing,
                    "means_at_hand": means,
                }
                not_assessed = derive(**kwargs, method_lethality="none")
                self.assertEqual(not_assessed, derive(**kwargs, method_lethality="unknown"))
                self.assertEqual(not_assessed, derive(**kwargs, method_lethality="high"))

    def test_only_low_and_medium_lethality_count_as_not_lethal_within_a_plan(self):
        for has_plan, timing, lethality in itertools.product(
            (False, True), PLAN_TIMINGS, LETHALITIES
        ):
            if not has_plan and timing == "none":
                continue
            with self.subTest(has_plan=has_plan, timing=timing, lethality=lethality):
                kwargs = {"has_plan": has_plan, "plan_timing": timing, "means_at_hand": True}
                codes = derive(**kwargs, method_lethality=lethality).reason_codes
                lethal_code = (
                    "plan_within_72h_lethal" if timing == "within_72h" else "plan_lethal_means"
                )
                self.assertIs(lethal_code in codes, lethality not in NOT_LETHAL)

    def test_an_unknown_lethality_counts_like_high_everywhere(self):
        for has_plan, timing, means in itertools.product(
            (False, True), PLAN_TIMINGS, (False, True)
        ):
            with self.subTest(has_plan=has_plan, timing=timing, means=means):
                kwargs = {"has_plan": has_plan, "plan_timing": timing, "means_at_hand": means}
                self.assertEqual(
                    derive(**kwargs, method_lethality="unknown"),
                    derive(**kwargs, method_lethality="high"),
                )

    def test_lethal_means_at_hand_make_every_plan_at_least_high(self):
        # With or without has_plan: a lethality given is itself a plan. A lethality not assessed
        # is not, so with neither has_plan nor a timing it leaves the means on their own (low).
        for has_plan, timing, lethality in itertools.product((True, False), PLAN_TIMINGS, LETHAL):
            if not has_plan and timing == "none" and lethality == "none":
                result = derive(means_at_hand=True, method_lethality=lethality)
                self.assertEqual((result.level, result.reason_codes), (LOW, ("means_no_ideation",)))
                continue
            with self.subTest(has_plan=has_plan, timing=timing, lethality=lethality):
                result = derive(
                    has_plan=has_plan,
                    plan_timing=timing,
                    method_lethality=lethality,
                    means_at_hand=True,
                )
                self.assertTrue(at_least(result.level, HIGH), result)
                if timing != "within_72h":
                    self.assertIn("plan_lethal_means", result.reason_codes)
                else:
                    self.assertNotIn("plan_lethal_means", result.reason_codes)

    def test_the_table_covers_every_factor_and_every_choice(self):
        kwargs_seen = [kwargs for _d, kwargs, _l, _c in CASES + PLAN_CASES]
        for name in RiskFactors.__dataclass_fields__:
            with self.subTest(name):
                self.assertTrue(any(name in kwargs for kwargs in kwargs_seen))
        for name, choices in (
            ("plan_timing", PLAN_TIMINGS),
            ("method_lethality", LETHALITIES),
            ("last_attempt", LAST_ATTEMPTS),
        ):
            self.assertEqual({kw[name] for kw in kwargs_seen if name in kw}, set(choices))

    def test_the_tables_reach_every_reason_code(self):
        codes_seen = {
            code
            for _d, kwargs, _l, _c in CASES + PLAN_CASES
            for code in derive(**kwargs).reason_codes
        }
        self.assertEqual(codes_seen, set(REASON_TEXT))

    def test_every_reason_code_is_reachable_and_derives_its_level(self):
        self.assertEqual(set(REACHING), set(REASON_TEXT))
        for code, (kwargs, level, codes) in REACHING.items():
            with self.subTest(code):
                result = derive(**kwargs)
                self.assertEqual(result.level, level)
                self.assertEqual(result.level, CODE_LEVEL[code])
                self.assertEqual(result.reason_codes, codes)
                self.assertEqual(result.reason_codes[0], code)
                self.assertEqual(result.reasons[0], str(REASON_TEXT[code]))

    def test_no_factor_gives_low_with_the_no_factor_reason_only(self):
        result = derive()
        self.assertEqual(result.level, LOW)
        self.assertEqual(result.reason_codes, ("no_factor",))
        self.assertEqual(result.reasons, [str(REASON_TEXT["no_factor"])])

    def test_factors_without_ideation_are_named_not_reported_as_no_factor(self):
        self.assertEqual(derive(last_attempt="within_year").reason_codes, ("past_attempt",))
        self.assertEqual(
            derive(relative_or_friend_suicide=True).reason_codes, ("relative_suicide",)
        )
        self.assertEqual(derive(means_at_hand=True).reason_codes, ("means_no_ideation",))
        # A recent attempt has its own, moderate, reason and no past_attempt code.
        self.assertEqual(derive(last_attempt="within_2_weeks").reason_codes, ("recent_attempt",))

    def test_with_ideation_the_no_ideation_codes_never_appear(self):
        result = derive(
            ideation=True,
            last_attempt="longer_ago",
            relative_or_friend_suicide=True,
            means_at_hand=True,
        )
        self.assertEqual(result.level, MODERATE)
        for code in ("past_attempt", "relative_suicide", "means_no_ideation"):
            self.assertNotIn(code, result.reason_codes)

    def test_low_ideation_filler_is_left_out_when_another_reason_applies(self):
        result = derive(ideation=True, ideation_intensity=4)
        self.assertNotIn("ideation", result.reason_codes)
        self.assertEqual(derive(ideation=True).reason_codes, ("ideation",))

    def test_reasons_at_the_final_level_come_first(self):
        result = derive(
            ideation=True,
            ideation_intensity=5,
            has_plan=True,
            plan_timing="within_72h",
            means_at_hand=True,
        )
        self.assertEqual(result.level, IMMINENT)
        self.assertEqual(result.reason_codes[0], "plan_within_72h_means")
        levels = [RISK_ORDER[CODE_LEVEL[code]] for code in result.reason_codes]
        self.assertEqual(levels, sorted(levels, reverse=True))

    def test_reasons_are_human_readable_texts_for_the_codes(self):
        result = derive(last_attempt="within_2_weeks", hopelessness=8)
        self.assertEqual(result.reasons, [str(REASON_TEXT[c]) for c in result.reason_codes])

    def test_every_reason_code_has_a_level_and_a_text(self):
        self.assertEqual(set(CODE_LEVEL), set(REASON_TEXT))

    def test_high_and_imminent_are_high_risk(self):
        self.assertEqual([is_high_risk(level) for level in RISK_LEVELS], [False, False, True, True])
        self.assertFalse(is_high_risk(None))


class HighRiskCallerDefinitionTests(SimpleTestCase):
    """Beijing Psychological Crisis Research and Intervention Center: a high-risk caller is one
    who acted just before or during the call, or plans to act within 72 hours, or is likely to
    act within a week."""

    def test_an_act_just_before_or_during_the_call_is_imminent(self):
        self.assertEqual(derive(act_in_progress=True).level, IMMINENT)
        self.assertEqual(
            derive(act_in_progress=True, last_attempt="never", hopelessness=0).level, IMMINENT
        )

    def test_a_plan_to_act_within_72_hours_is_at_least_high(self):
        for has_plan, means, lethality in itertools.product(
            (True, False), (False, True), LETHALITIES
        ):
            with self.subTest(has_plan=has_plan, means=means, lethality=lethality):
                result = derive(
                    has_plan=has_plan,
                    plan_timing="within_72h",
                    means_at_hand=means,
                    method_lethality=lethality,
                )
                self.assertTrue(at_least(result.level, HIGH))
                self.assertIn("plan_within_72h", result.reason_codes)

    def test_a_plan_within_72_hours_with_means_or_a_lethal_or_unknown_method_is_imminent(self):
        # "Unknown" includes a lethality not assessed ("none"); only "low" and "medium" are not
        # lethal. The means at hand make it imminent whatever the lethality.
        for lethality in LETHALITIES:
            with self.subTest(lethality=lethality, means=True):
                result = derive(
                    has_plan=True,
                    plan_timing="within_72h",
                    method_lethality=lethality,
                    means_at_hand=True,
                )
                self.assertEqual(result.level, IMMINENT)
                self.assertEqual(result.reason_codes[0], "plan_within_72h_means")
        for lethality in LETHALITIES:
            with self.subTest(lethality=lethality):
                result = derive(has_plan=True, plan_timing="within_72h", method_lethality=lethality)
                if lethality in LETHAL:
                    self.assertEqual(result.level, IMMINENT)
                    self.assertEqual(
                        result.reason_codes, ("plan_within_72h_lethal", "plan_within_72h")
                    )
                else:
                    self.assertIn(lethality, NOT_LETHAL)
                    self.assertEqual(result.level, HIGH)
                    self.assertEqual(result.reason_codes, ("plan_within_72h",))

    def test_likely_to_act_within_a_week_is_high(self):
        # Operationalised as: a plan to act within a week; strong ideation with strong
        # hopelessness (both 7 or more); or ideation after an attempt within the last 2 weeks.
        self.assertEqual(derive(has_plan=True, plan_timing="within_week").level, HIGH)
        self.assertEqual(derive(plan_timing="within_week").level, HIGH)
        self.assertEqual(
            derive(ideation=True, ideation_intensity=7, hopelessness=7).level,
            HIGH,
        )
        self.assertEqual(derive(ideation=True, last_attempt="within_2_weeks").level, HIGH)

    def test_each_part_of_the_definition_makes_the_caller_high_risk(self):
        for kwargs in (
            {"act_in_progress": True},
            {"has_plan": True, "plan_timing": "within_72h"},
            {"plan_timing": "within_72h"},
            {"has_plan": True, "plan_timing": "within_week"},
            {"plan_timing": "within_week"},
            {"ideation": True, "ideation_intensity": 7, "hopelessness": 7},
            {"ideation": True, "last_attempt": "within_2_weeks"},
        ):
            with self.subTest(**kwargs):
                self.assertTrue(is_high_risk(derive(**kwargs).level))

    def test_a_near_plan_timing_is_not_ignored_when_has_plan_is_unticked(self):
        # A forgotten "has plan" checkbox must never hide a plan within 72 hours (risk-2026.2).
        result = derive_risk_level(
            RiskFactors(plan_timing="within_72h", method_lethality="high", means_at_hand=True)
        )
        self.assertEqual(result.level, IMMINENT)
        for code in ("plan_within_72h_means", "plan_within_72h_lethal", "plan_within_72h"):
            self.assertIn(code, result.reason_codes)
        # Lethality not assessed: counts like unknown, so imminent; an assessed low or medium
        # lethality (means not at hand) leaves it high.
        self.assertEqual(derive(plan_timing="within_72h").level, IMMINENT)
        for lethality in NOT_LETHAL:
            with self.subTest(lethality=lethality):
                self.assertEqual(
                    derive(plan_timing="within_72h", method_lethality=lethality).level, HIGH
                )

    def test_a_lethal_method_with_means_is_not_ignored_when_has_plan_and_timing_are_unset(self):
        # A method lethality other than "none" implies a planned method, so it counts as a plan
        # (timing unknown) even without has_plan and without a timing (risk-2026.2): a
        # forgotten checkbox never hides a plan.
        for lethality in LETHAL_GIVEN:
            with self.subTest(lethality=lethality):
                result = derive_risk_level(
                    RiskFactors(method_lethality=lethality, means_at_hand=True)
                )
                self.assertEqual(result.level, HIGH)
                self.assertEqual(
                    result.reason_codes, ("plan_lethal_means", "plan_other", "means_no_ideation")
                )
                self.assertEqual(
                    result,
                    derive(has_plan=True, method_lethality=lethality, means_at_hand=True),
                )
        # Without the means at hand, any lethality is still a plan with an unknown timing.
        for lethality in LETHALITIES[1:]:
            with self.subTest(lethality=lethality, means=False):
                result = derive(method_lethality=lethality)
                self.assertEqual((result.level, result.reason_codes), (MODERATE, ("plan_other",)))
        # A lethality not assessed is no plan on its own; once has_plan is ticked it counts like
        # unknown, so the means at hand make the plan high.
        result = derive(method_lethality="none", means_at_hand=True)
        self.assertEqual((result.level, result.reason_codes), (LOW, ("means_no_ideation",)))
        result = derive(has_plan=True, method_lethality="none", means_at_hand=True)
        self.assertEqual(
            (result.level, result.reason_codes),
            (HIGH, ("plan_lethal_means", "plan_other", "means_no_ideation")),
        )


class RiskInputValidationTests(SimpleTestCase):
    def assertRejects(self, field_name: str, **kwargs):
        with self.assertRaises(RiskInputError) as caught:
            derive(**kwargs)
        self.assertEqual(caught.exception.field_name, field_name)
        self.assertTrue(caught.exception.message)
        self.assertIsInstance(caught.exception, ValueError)

    def test_scales_outside_0_to_10_are_refused_naming_the_field(self):
        for value in (-1, 11, 100):
            with self.subTest(value=value):
                self.assertRejects("ideation_intensity", ideation=True, ideation_intensity=value)
                self.assertRejects("hopelessness", hopelessness=value)

    def test_scales_that_are_not_whole_numbers_are_refused(self):
        for value in (5.0, 5.5, "5", None, True):
            with self.subTest(value=value):
                self.assertRejects("ideation_intensity", ideation=True, ideation_intensity=value)
                self.assertRejects("hopelessness", hopelessness=value)

    def test_scale_bounds_0_and_10_are_accepted(self):
        for value in (0, 10):
            derive(ideation=True, ideation_intensity=value, hopelessness=value)

    def test_unknown_choice_strings_are_refused_naming_the_field(self):
        self.assertRejects("plan_timing", has_plan=True, plan_timing="soon")
        self.assertRejects("plan_timing", plan_timing="WITHIN_72H")
        self.assertRejects("method_lethality", method_lethality="extreme")
        self.assertRejects("method_lethality", method_lethality="")
        self.assertRejects("last_attempt", last_attempt="yesterday")
        self.assertRejects("last_attempt", last_attempt=None)

    def test_boolean_factors_that_are_not_booleans_are_refused_naming_the_field(self):
        # The string "false" is truthy: without this check it would count as true.
        for name in BOOLEAN_FACTORS:
            for value in (0, 1, "true", "false", "", None, 1.0, [True]):
                with self.subTest(name=name, value=value):
                    self.assertRejects(name, **{name: value})

    def test_boolean_factors_accept_true_and_false(self):
        for name, value in itertools.product(BOOLEAN_FACTORS, (False, True)):
            with self.subTest(name=name, value=value):
                self.assertIn(derive(**{name: value}).level, RISK_LEVELS)

    def test_intensity_without_ideation_is_refused(self):
        self.assertRejects("ideation_intensity", ideation=False, ideation_intensity=1)
        self.assertRejects("ideation_intensity", ideation=False, ideation_intensity=5)
        self.assertEqual(derive(ideation=False, ideation_intensity=0).level, LOW)

    def test_the_error_message_is_the_exception_text(self):
        with self.assertRaises(RiskInputError) as caught:
            derive(hopelessness=11)
        self.assertEqual(str(caught.exception), caught.exception.message)


# --- Property tests -------------------------------------------------------------------------


@st.composite
def risk_factors(draw):
    ideation = draw(st.booleans())
    return RiskFactors(
        ideation=ideation,
        ideation_intensity=draw(st.integers(0, 10)) if ideation else 0,
        hopelessness=draw(st.integers(0, 10)),
        has_plan=draw(st.booleans()),
        plan_timing=draw(st.sampled_from(PLAN_TIMINGS)),
        method_lethality=draw(st.sampled_from(LETHALITIES)),
        means_at_hand=draw(st.booleans()),
        act_in_progress=draw(st.booleans()),
        last_attempt=draw(st.sampled_from(LAST_ATTEMPTS)),
        relative_or_friend_suicide=draw(st.booleans()),
    )


def replace(f: RiskFactors, **changes) -> RiskFactors:
    return RiskFactors(**{**f.__dict__, **changes})


def rank(f: RiskFactors) -> int:
    return RISK_ORDER[derive_risk_level(f).level]


# Orders in which a later choice never means less risk than an earlier one. An unknown
# lethality counts like "high" and an unknown attempt history like a past attempt; the
# equivalence tests below check that, so both orders hold for the unknown values too.
# A lethality of "none" (not assessed) has no fixed place in the order: with neither has_plan
# nor a timing it is no plan, below every other lethality (a lethality given adds a plan);
# within a plan it counts like "unknown", at the top. See plan_counts_without_a_lethality and
# the not-assessed tests below.
ORDERED_CHOICES = {
    "plan_timing": ("none", "unknown", "later", "within_week", "within_72h"),
    "method_lethality": ("low", "medium", "high", "unknown"),
    "last_attempt": ("never", "longer_ago", "within_year", "within_2_weeks"),
}


def plan_counts_without_a_lethality(f: RiskFactors) -> bool:
    """A plan counts whatever the lethality: ticked or timed."""
    return f.has_plan or f.plan_timing != "none"


class RiskRulePropertyTests(SimpleTestCase):
    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(BOOLEAN_FACTORS))
    def test_turning_any_boolean_factor_on_never_lowers_the_level(self, f, name):
        before = replace(f, **{name: False})
        if name == "ideation":
            before = replace(before, ideation_intensity=0)
        self.assertGreaterEqual(rank(replace(before, **{name: True})), rank(before))

    @settings(max_examples=300)
    @given(risk_factors(), st.integers(0, 10), st.integers(0, 10))
    def test_raising_ideation_intensity_never_lowers_the_level(self, f, a, b):
        low, high = sorted((a, b))
        f = replace(f, ideation=True)
        self.assertGreaterEqual(
            rank(replace(f, ideation_intensity=high)), rank(replace(f, ideation_intensity=low))
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.integers(0, 10), st.integers(0, 10))
    def test_raising_hopelessness_never_lowers_the_level(self, f, a, b):
        low, high = sorted((a, b))
        self.assertGreaterEqual(
            rank(replace(f, hopelessness=high)), rank(replace(f, hopelessness=low))
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(sorted(ORDERED_CHOICES)), st.data())
    def test_a_nearer_plan_deadlier_method_or_more_recent_attempt_never_lowers(self, f, name, data):
        order = ORDERED_CHOICES[name]
        i = data.draw(st.integers(0, len(order) - 1))
        j = data.draw(st.integers(i, len(order) - 1))
        self.assertGreaterEqual(
            rank(replace(f, **{name: order[j]})), rank(replace(f, **{name: order[i]}))
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHALITIES[1:]))
    def test_without_a_plan_giving_any_lethality_never_lowers_the_level(self, f, lethality):
        # Neither ticked nor timed: "none" (not assessed) is no plan, any other lethality is one.
        f = replace(f, has_plan=False, plan_timing="none")
        self.assertGreaterEqual(
            rank(replace(f, method_lethality=lethality)), rank(replace(f, method_lethality="none"))
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHALITIES))
    def test_within_a_plan_a_lethality_not_assessed_is_never_below_an_assessed_one(
        self, f, lethality
    ):
        if not plan_counts_without_a_lethality(f):
            f = replace(f, has_plan=True)
        self.assertGreaterEqual(
            rank(replace(f, method_lethality="none")), rank(replace(f, method_lethality=lethality))
        )

    @settings(max_examples=300)
    @given(risk_factors())
    def test_within_a_plan_a_lethality_not_assessed_gives_the_same_result_as_unknown(self, f):
        if not plan_counts_without_a_lethality(f):
            f = replace(f, plan_timing="unknown")
        self.assertEqual(
            derive_risk_level(replace(f, method_lethality="none")),
            derive_risk_level(replace(f, method_lethality="unknown")),
        )

    @settings(max_examples=300)
    @given(risk_factors())
    def test_a_lethality_not_assessed_alone_is_no_plan(self, f):
        f = replace(f, has_plan=False, plan_timing="none", method_lethality="none")
        self.assertFalse(PLAN_CODES.intersection(derive_risk_level(f).reason_codes))

    @settings(max_examples=300)
    @given(risk_factors())
    def test_an_unknown_lethality_gives_the_same_result_as_high(self, f):
        self.assertEqual(
            derive_risk_level(replace(f, method_lethality="unknown")),
            derive_risk_level(replace(f, method_lethality="high")),
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(("longer_ago", "unknown")))
    def test_an_unknown_or_older_attempt_gives_the_same_result_as_one_within_a_year(self, f, la):
        self.assertEqual(
            derive_risk_level(replace(f, last_attempt=la)),
            derive_risk_level(replace(f, last_attempt="within_year")),
        )

    @settings(max_examples=300)
    @given(risk_factors())
    def test_has_plan_changes_nothing_once_a_timing_is_given(self, f):
        if f.plan_timing == "none":
            f = replace(f, plan_timing="unknown")
        self.assertEqual(
            derive_risk_level(replace(f, has_plan=False)),
            derive_risk_level(replace(f, has_plan=True)),
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHALITIES[1:]))
    def test_has_plan_changes_nothing_once_a_lethality_is_given(self, f, lethality):
        f = replace(f, method_lethality=lethality)
        self.assertEqual(
            derive_risk_level(replace(f, has_plan=False)),
            derive_risk_level(replace(f, has_plan=True)),
        )

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHALITIES[1:]))
    def test_a_lethality_without_a_timing_counts_as_an_unknown_timing(self, f, lethality):
        f = replace(f, method_lethality=lethality)
        self.assertEqual(
            derive_risk_level(replace(f, plan_timing="none")),
            derive_risk_level(replace(f, plan_timing="unknown")),
        )

    @settings(max_examples=300)
    @given(risk_factors())
    def test_a_ticked_plan_without_a_timing_counts_as_an_unknown_timing(self, f):
        f = replace(f, has_plan=True)
        self.assertEqual(
            derive_risk_level(replace(f, plan_timing="none")),
            derive_risk_level(replace(f, plan_timing="unknown")),
        )

    @settings(max_examples=300)
    @given(risk_factors())
    def test_the_result_is_deterministic(self, f):
        first = derive_risk_level(f)
        self.assertEqual(derive_risk_level(f), first)
        self.assertEqual(derive_risk_level(replace(f)), first)

    @settings(max_examples=500)
    @given(risk_factors())
    def test_every_result_has_reasons_and_the_current_rule_version(self, f):
        result = derive_risk_level(f)
        self.assertIn(result.level, RISK_LEVELS)
        self.assertEqual(result.rule_version, RISK_RULE_VERSION)
        self.assertGreaterEqual(len(result.reason_codes), 1)
        self.assertEqual(len(set(result.reason_codes)), len(result.reason_codes))
        self.assertEqual(len(result.reasons), len(result.reason_codes))
        for code in result.reason_codes:
            self.assertIn(code, REASON_TEXT)

    @settings(max_examples=500)
    @given(risk_factors())
    def test_the_level_is_the_highest_level_among_its_reasons(self, f):
        result = derive_risk_level(f)
        self.assertEqual(
            result.level, max((CODE_LEVEL[c] for c in result.reason_codes), key=RISK_ORDER.get)
        )
        self.assertEqual(CODE_LEVEL[result.reason_codes[0]], result.level)
        levels = [RISK_ORDER[CODE_LEVEL[code]] for code in result.reason_codes]
        self.assertEqual(levels, sorted(levels, reverse=True))

    @settings(max_examples=500)
    @given(risk_factors())
    def test_no_factor_only_when_no_factor_is_reported(self, f):
        nothing_reported = (
            not f.act_in_progress
            and not f.has_plan
            and f.plan_timing == "none"
            and f.method_lethality == "none"
            and not f.ideation
            and f.hopelessness < 7
            and f.last_attempt == "never"
            and not f.relative_or_friend_suicide
            and not f.means_at_hand
        )
        result = derive_risk_level(f)
        self.assertIs(result.reason_codes == ("no_factor",), nothing_reported)
        self.assertIs("no_factor" in result.reason_codes, nothing_reported)

    @settings(max_examples=300)
    @given(risk_factors())
    def test_an_act_in_progress_is_always_imminent(self, f):
        self.assertEqual(derive_risk_level(replace(f, act_in_progress=True)).level, IMMINENT)

    @settings(max_examples=300)
    @given(risk_factors())
    def test_a_plan_within_72_hours_is_always_at_least_high(self, f):
        # With or without has_plan ticked.
        result = derive_risk_level(replace(f, plan_timing="within_72h"))
        self.assertTrue(at_least(result.level, HIGH))

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHAL))
    def test_a_plan_within_72_hours_with_a_lethal_or_unknown_method_is_always_imminent(
        self, f, lethality
    ):
        result = derive_risk_level(replace(f, plan_timing="within_72h", method_lethality=lethality))
        self.assertEqual(result.level, IMMINENT)

    @settings(max_examples=300)
    @given(risk_factors(), st.sampled_from(LETHAL_GIVEN))
    def test_any_plan_with_lethal_means_at_hand_is_always_at_least_high(self, f, lethality):
        # has_plan as drawn: a lethal (or unknown-lethality) method is itself a plan.
        f = replace(f, means_at_hand=True, method_lethality=lethality)
        self.assertTrue(at_least(derive_risk_level(f).level, HIGH))

    @settings(max_examples=300)
    @given(risk_factors())
    def test_any_plan_with_means_at_hand_and_lethality_not_assessed_is_at_least_high(self, f):
        # Not assessed counts like unknown once a plan counts (ticked or timed).
        if not plan_counts_without_a_lethality(f):
            f = replace(f, has_plan=True)
        f = replace(f, means_at_hand=True, method_lethality="none")
        self.assertTrue(at_least(derive_risk_level(f).level, HIGH))

    @settings(max_examples=500)
    @given(risk_factors())
    def test_a_plan_counts_exactly_when_ticked_timed_or_a_lethality_is_given(self, f):
        plan = f.has_plan or f.plan_timing != "none" or f.method_lethality != "none"
        codes = PLAN_CODES.intersection(derive_risk_level(f).reason_codes)
        self.assertIs(bool(codes), plan)


class ExhaustiveMonotonicityTests(SimpleTestCase):
    """Every combination of the choices and the scale boundaries (0, 3/4, 6/7, 10): a single
    step to a riskier answer never lowers the level."""

    INTENSITIES = (0, 3, 4, 6, 7, 10)
    HOPELESSNESS = (0, 6, 7, 10)

    def all_factors(self):
        for ideation, has_plan, means, act, relative in itertools.product((False, True), repeat=5):
            for timing, lethality, attempt, intensity, hopelessness in itertools.product(
                PLAN_TIMINGS,
                LETHALITIES,
                LAST_ATTEMPTS,
                self.INTENSITIES if ideation else (0,),
                self.HOPELESSNESS,
            ):
                yield RiskFactors(
                    ideation=ideation,
                    ideation_intensity=intensity,
                    hopelessness=hopelessness,
                    has_plan=has_plan,
                    plan_timing=timing,
                    method_lethality=lethality,
                    means_at_hand=means,
                    act_in_progress=act,
                    last_attempt=attempt,
                    relative_or_friend_suicide=relative,
                )

    def riskier(self, f: RiskFactors):
        for name in BOOLEAN_FACTORS:
            if not getattr(f, name):
                yield replace(f, **{name: True})
        for name, order in ORDERED_CHOICES.items():
            value = getattr(f, name)
            if value in order:
                for higher in order[order.index(value) + 1 :]:
                    yield replace(f, **{name: higher})
        # "none" (not assessed): below every lethality when no plan counts otherwise (a
        # lethality given adds a plan), at the top (like "unknown") within a plan.
        if not plan_counts_without_a_lethality(f):
            if f.method_lethality == "none":
                for value in LETHALITIES[1:]:
                    yield replace(f, method_lethality=value)
        elif f.method_lethality != "none":
            yield replace(f, method_lethality="none")
        if f.ideation:
            for value in self.INTENSITIES:
                if value > f.ideation_intensity:
                    yield replace(f, ideation_intensity=value)
        for value in self.HOPELESSNESS:
            if value > f.hopelessness:
                yield replace(f, hopelessness=value)

    def test_no_riskier_answer_lowers_the_level(self):
        levels = {f: rank(f) for f in self.all_factors()}
        self.assertEqual(len(levels), 2**4 * 5 * 5 * 5 * 4 * (1 + len(self.INTENSITIES)))
        violations = [(f, g) for f in levels for g in self.riskier(f) if levels[g] < levels[f]]
        self.assertEqual(violations, [])

    def test_within_a_plan_not_assessed_is_unknown_for_every_combination(self):
        # Within a plan (ticked or timed) "none" gives exactly the result of "unknown" (and so
        # of "high"); without one it gives exactly the result of no lethality-based plan at all.
        wrong = []
        for f in self.all_factors():
            if f.method_lethality != "none":
                continue
            result = derive_risk_level(f)
            if plan_counts_without_a_lethality(f):
                if result != derive_risk_level(replace(f, method_lethality="unknown")):
                    wrong.append(f)
            elif PLAN_CODES.intersection(result.reason_codes):
                wrong.append(f)
        self.assertEqual(wrong, [])

    def test_the_plan_rows_hold_for_every_combination(self):
        # The plan codes are exactly those of _plan_expectation, whatever the other factors,
        # and the level is never below the level the plan rows set.
        wrong = []
        for f in self.all_factors():
            plan_level, plan_codes = _plan_expectation(
                f.has_plan, f.plan_timing, f.means_at_hand, f.method_lethality
            )
            result = derive_risk_level(f)
            if PLAN_CODES.intersection(result.reason_codes) != set(plan_codes) or (
                plan_level is not None and not at_least(result.level, plan_level)
            ):
                wrong.append((f, result))
        self.assertEqual(wrong, [])


# --- Counsellor override ----------------------------------------------------------------------


def expected_proposal(derived: str, previous: str | None) -> str:
    """The proposal, written out: the derived level, or the earlier judgement if higher."""
    if previous is not None and RISK_ORDER[previous] > RISK_ORDER[derived]:
        return previous
    return derived


class OverrideTests(SimpleTestCase):
    def test_accepting_the_derived_level_on_a_first_assessment_needs_no_reason(self):
        for level in RISK_LEVELS:
            with self.subTest(level):
                self.assertFalse(
                    override_reason_required(derived=level, final=level, previous_final=None)
                )

    def test_a_reason_is_needed_exactly_when_the_final_level_is_not_the_proposal(self):
        for derived, final, previous in itertools.product(
            RISK_LEVELS, RISK_LEVELS, (None, *RISK_LEVELS)
        ):
            with self.subTest(derived=derived, final=final, previous=previous):
                self.assertIs(
                    override_reason_required(derived=derived, final=final, previous_final=previous),
                    final != expected_proposal(derived, previous),
                )

    def test_accepting_the_proposal_never_needs_a_reason(self):
        # Also when the proposal keeps an earlier, higher judgement above the derived level.
        for derived, previous in itertools.product(RISK_LEVELS, (None, *RISK_LEVELS)):
            proposal = proposed_final_level(derived=derived, previous_final=previous)
            with self.subTest(derived=derived, previous=previous):
                self.assertFalse(
                    override_reason_required(
                        derived=derived, final=proposal, previous_final=previous
                    )
                )

    def test_a_final_level_below_the_derived_level_needs_a_reason(self):
        for derived, final, previous in itertools.product(
            RISK_LEVELS, RISK_LEVELS, (None, *RISK_LEVELS)
        ):
            if RISK_ORDER[final] < RISK_ORDER[derived]:
                with self.subTest(derived=derived, final=final, previous=previous):
                    self.assertTrue(
                        override_reason_required(
                            derived=derived, final=final, previous_final=previous
                        )
                    )

    def test_a_final_level_below_the_previous_judgement_needs_a_reason(self):
        for derived, final, previous in itertools.product(RISK_LEVELS, repeat=3):
            if RISK_ORDER[final] < RISK_ORDER[previous]:
                with self.subTest(derived=derived, final=final, previous=previous):
                    self.assertTrue(
                        override_reason_required(
                            derived=derived, final=final, previous_final=previous
                        )
                    )

    def test_a_final_level_above_the_proposal_needs_a_reason(self):
        for derived, final, previous in itertools.product(
            RISK_LEVELS, RISK_LEVELS, (None, *RISK_LEVELS)
        ):
            proposal = proposed_final_level(derived=derived, previous_final=previous)
            if RISK_ORDER[final] > RISK_ORDER[proposal]:
                with self.subTest(derived=derived, final=final, previous=previous):
                    self.assertTrue(
                        override_reason_required(
                            derived=derived, final=final, previous_final=previous
                        )
                    )

    def test_the_derived_level_not_below_the_previous_judgement_needs_no_reason(self):
        for level, previous in itertools.product(RISK_LEVELS, RISK_LEVELS):
            if RISK_ORDER[level] >= RISK_ORDER[previous]:
                with self.subTest(level=level, previous=previous):
                    self.assertFalse(
                        override_reason_required(
                            derived=level, final=level, previous_final=previous
                        )
                    )

    def test_named_combinations(self):
        table = [
            # (derived, final, previous, reason required)
            (LOW, LOW, None, False),
            (HIGH, HIGH, None, False),
            (HIGH, MODERATE, None, True),  # lowering the derived level
            (LOW, HIGH, None, True),  # raising above the derived level
            (LOW, LOW, HIGH, True),  # the rule now says low, but high was judged before
            (MODERATE, MODERATE, MODERATE, False),
            (IMMINENT, IMMINENT, HIGH, False),  # escalation following the rule
            (LOW, HIGH, HIGH, False),  # accepting the proposal: the earlier level is kept
            (LOW, MODERATE, HIGH, True),  # between the derived and the earlier level
            (LOW, IMMINENT, HIGH, True),  # raising above the proposal
            (HIGH, IMMINENT, HIGH, True),
            (IMMINENT, HIGH, HIGH, True),  # lowering the derived level to the earlier one
        ]
        for derived, final, previous, required in table:
            with self.subTest(derived=derived, final=final, previous=previous):
                self.assertIs(
                    override_reason_required(derived=derived, final=final, previous_final=previous),
                    required,
                )


class ProposedFinalLevelTests(SimpleTestCase):
    def test_without_a_previous_judgement_the_derived_level_is_proposed(self):
        for level in RISK_LEVELS:
            self.assertEqual(proposed_final_level(derived=level, previous_final=None), level)

    def test_the_proposal_is_never_lower_than_the_previous_judgement_or_the_derived_level(self):
        for derived, previous in itertools.product(RISK_LEVELS, RISK_LEVELS):
            with self.subTest(derived=derived, previous=previous):
                proposal = proposed_final_level(derived=derived, previous_final=previous)
                self.assertTrue(at_least(proposal, previous))
                self.assertTrue(at_least(proposal, derived))
                self.assertIn(proposal, (derived, previous))
                self.assertEqual(proposal, expected_proposal(derived, previous))

    def test_named_combinations(self):
        self.assertEqual(proposed_final_level(derived=LOW, previous_final=HIGH), HIGH)
        self.assertEqual(proposed_final_level(derived=IMMINENT, previous_final=HIGH), IMMINENT)
        self.assertEqual(proposed_final_level(derived=MODERATE, previous_final=MODERATE), MODERATE)
        self.assertEqual(proposed_final_level(derived=MODERATE, previous_final=LOW), MODERATE)
