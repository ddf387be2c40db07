"""The shape of a scale file (AS-01): one JSON file per scale under ``assessments/scales/``.

Validated when loaded and in the tests. A malformed file is refused with a message naming the
file, the place in it and the problem. See ``docs/scales.md`` for the format.
"""

from __future__ import annotations

from itertools import product
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LANGUAGES = ("zh-hans", "en")
Status = Literal["sourced", "corroborated", "unverified"]
CODE = r"^[a-z][a-z0-9_]{0,30}$"


class Text(BaseModel):
    """A text in both interface languages."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    zh_hans: str = Field(alias="zh-hans", min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if (language or "").startswith("en") else self.zh_hans


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: int
    label: Text
    loinc: str | None = None


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=10)
    text: Text
    loinc: str | None = None
    reversed: bool = False
    options: list[Option] | None = None  # only where an item differs from the scale's options


class Scoring(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["sum", "mean"]
    multiplier: float = Field(1, gt=0)


class Subscale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE)
    label: Text
    items: list[str] = Field(min_length=1)


class Band(BaseModel):
    """Scores from ``min`` to ``max`` inclusive; bands run from the least to the most severe."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE)
    min: float
    max: float
    label: Text
    advice: Text


class CriticalItem(BaseModel):
    """An answer above ``above`` on this item raises ``flag`` whatever the total."""

    model_config = ConfigDict(extra="forbid")
    item: str
    above: int
    flag: str = Field(pattern=CODE)
    action: Literal["urgent_task", "counsellor_review"]
    label: Text


class Licence(BaseModel):
    """``text``: the licence as the source states it (kept as quoted, exported to FHIR);
    ``notice``: the copyright notice shown under the result, in the reader's language."""

    model_config = ConfigDict(extra="forbid")
    notice: Text
    text: str = Field(min_length=10)
    status: Status


class Codes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loinc_panel: str | None = None
    loinc_total: str | None = None
    loinc_answer_list: str | None = None
    snomed: str | None = None


class WordingStatus(BaseModel):
    """Where the wording comes from (``../shared/scales-reference.md``): "unverified" wording is
    shown with a notice and never presented as validated."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    zh_hans: Status = Field(alias="zh-hans")
    en: Status


class ScaleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=CODE)
    version: str = Field(min_length=1, max_length=20)
    title: Text
    topic: Text
    instructions: Text
    recall_period: Text
    minutes: int = Field(ge=1, le=60)
    wording_status: WordingStatus
    wording_notes: Text
    options: list[Option] = Field(min_length=2)
    items: list[Item] = Field(min_length=1, max_length=200)
    scoring: Scoring
    subscales: list[Subscale] = []
    bands: list[Band] = Field(min_length=1)
    critical_items: list[CriticalItem] = []
    licence: Licence
    citation: str = Field(min_length=10)
    codes: Codes = Codes()

    def options_for(self, item: Item) -> list[Option]:
        return item.options or self.options

    @model_validator(mode="after")
    def _consistent(self) -> ScaleFile:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        for item in self.items:
            values = [o.value for o in self.options_for(item)]
            if len(set(values)) != len(values):
                raise ValueError(f"item {item.id}: option values must be unique")
        for sub in self.subscales:
            unknown = set(sub.items) - set(ids)
            if unknown:
                raise ValueError(f"subscale {sub.code}: unknown items {sorted(unknown)}")
        for critical in self.critical_items:
            if critical.item not in ids:
                raise ValueError(f"critical item {critical.item} is not an item of the scale")
        codes = [band.code for band in self.bands]
        if len(set(codes)) != len(codes):
            raise ValueError("band codes must be unique")
        for band in self.bands:
            if band.min > band.max:
                raise ValueError(f"band {band.code}: min is above max")
        self._check_bands_cover_every_score()
        return self

    def _check_bands_cover_every_score(self) -> None:
        """Every score the scale can produce falls in exactly one band (sum scoring: every
        total; mean scoring: the ends and every band edge)."""
        from xinyuan.assessments.rules import score_range

        low, high = score_range(self)
        if self.scoring.method == "sum":
            step = self.scoring.multiplier
            raw_low, raw_high = round(low / step), round(high / step)
            candidates = [raw * step for raw in range(raw_low, raw_high + 1)]
        else:
            candidates = [low, high] + [b.min for b in self.bands] + [b.max for b in self.bands]
            candidates = [c for c in candidates if low <= c <= high]
        for score in candidates:
            matching = [b.code for b in self.bands if b.min <= score <= b.max]
            if len(matching) != 1:
                what = "no band" if not matching else f"bands {matching}"
                raise ValueError(f"score {score:g} falls in {what}")


def all_answer_vectors(scale: ScaleFile, limit: int = 10_000):
    """Every possible answer vector while there are few (for exhaustive tests of tiny scales)."""
    choices = [[o.value for o in scale.options_for(item)] for item in scale.items]
    total = 1
    for c in choices:
        total *= len(c)
    if total > limit:
        return None
    return product(*choices)
