"""Scoring a scale: pure functions of the scale file and the answers (AS-01).

The rule is the published one: the total is the sum (or mean) of the item values, reversed
items counted from the other end, times the scale's multiplier; the band is the one whose
inclusive range holds the total; a critical item answered above its threshold raises its flag
whatever the total. ``RULE_VERSION`` names this rule; each scale file has its own version too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xinyuan.core.network import network_of  # noqa: F401 - the portal counts by it

if TYPE_CHECKING:
    from xinyuan.assessments.schema import ScaleFile

RULE_VERSION = "scoring-2026.1"


@dataclass(frozen=True)
class AnswerProblem:
    """One bad answer: its position (0-based), the item id and what is wrong."""

    index: int | None
    item: str | None
    problem: str  # "count", "not_integer", "not_an_option"
    allowed: tuple[int, ...] = ()
    given: Any = None


@dataclass(frozen=True)
class Result:
    scale: str
    version: str
    total: float
    band: str
    flags: tuple[str, ...]
    subscales: dict[str, float] = field(default_factory=dict)
    most_severe: bool = False


class Compiled:
    """A scale file prepared for fast scoring (≥ 50,000 responses/s on one core)."""

    def __init__(self, scale: ScaleFile) -> None:
        self.scale = scale
        self.allowed = [frozenset(o.value for o in scale.options_for(item)) for item in scale.items]
        self.sorted_allowed = [tuple(sorted(values)) for values in self.allowed]
        # A reversed item counts (lowest + highest - value).
        self.flip = [
            (min(values) + max(values)) if item.reversed else None
            for item, values in zip(scale.items, self.allowed, strict=True)
        ]
        index = {item.id: i for i, item in enumerate(scale.items)}
        self.critical = [(index[c.item], c.above, c.flag) for c in scale.critical_items]
        self.subscales = [(s.code, [index[i] for i in s.items]) for s in scale.subscales]
        self.mean = scale.scoring.method == "mean"
        self.multiplier = scale.scoring.multiplier
        self.bands = [(b.min, b.max, b.code) for b in scale.bands]
        self.n = len(scale.items)

    def problems(self, answers: list[Any]) -> list[AnswerProblem]:
        if not isinstance(answers, list) or len(answers) != self.n:
            given = len(answers) if isinstance(answers, list) else None
            return [AnswerProblem(None, None, "count", given=given)]
        found = []
        for i, value in enumerate(answers):
            item = self.scale.items[i].id
            if isinstance(value, bool) or not isinstance(value, int):
                found.append(AnswerProblem(i, item, "not_integer", self.sorted_allowed[i], value))
            elif value not in self.allowed[i]:
                found.append(AnswerProblem(i, item, "not_an_option", self.sorted_allowed[i], value))
        return found

    def score(self, answers: list[int]) -> Result:
        """Score valid answers (check ``problems`` first: this assumes them valid)."""
        values = [
            v if flip is None else flip - v for v, flip in zip(answers, self.flip, strict=True)
        ]
        total = _combine(values, self.mean) * self.multiplier
        total = _tidy(total)
        band = next(code for low, high, code in self.bands if low <= total <= high)
        flags = tuple(flag for i, above, flag in self.critical if answers[i] > above)
        subscales = {
            code: _tidy(_combine([values[i] for i in indices], self.mean))
            for code, indices in self.subscales
        }
        return Result(
            scale=self.scale.code,
            version=self.scale.version,
            total=total,
            band=band,
            flags=flags,
            subscales=subscales,
            most_severe=band == self.bands[-1][2],
        )


def _combine(values: list[int], mean: bool) -> float:
    return sum(values) / len(values) if mean else sum(values)


def _tidy(value: float) -> float:
    """Whole numbers as int (a PHQ-9 total is 12, not 12.0); others to two decimals."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def score_range(scale: ScaleFile) -> tuple[float, float]:
    """The lowest and highest score the scale can produce."""
    lows, highs = [], []
    for item in scale.items:
        values = [o.value for o in scale.options_for(item)]
        lows.append(min(values))
        highs.append(max(values))
    combine_low, combine_high = _combine(lows, False), _combine(highs, False)
    if scale.scoring.method == "mean":
        combine_low, combine_high = combine_low / len(lows), combine_high / len(highs)
    return (
        _tidy(combine_low * scale.scoring.multiplier),
        _tidy(combine_high * scale.scoring.multiplier),
    )


# Throttling the public portal --------------------------------------------------------------
# A self-test that needs a task (an urgent result, a call-back request) is counted against its
# origin: the visitor's device and network. Beyond the limits within the window, the new task
# is folded into the open one from that origin (actions.py); the result itself is always kept
# and the person always sees the help channels.


@dataclass(frozen=True)
class Origin:
    """Keyed hashes of where a self-test came from ("" when unknown or not counted)."""

    device_hash: str = ""
    network_hash: str = ""


def is_beyond_limit(tasks_in_window: int, limit: int) -> bool:
    """Whether one more task from an origin with this many in the window is beyond the limit
    (a limit of 0 or less: no limit)."""
    return limit > 0 and tasks_in_window >= limit
