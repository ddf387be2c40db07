"""The coded vocabulary of a contact (issue 10): problems (hierarchical, most urgent first),
interventions used and resources named. A versioned data file (``codes-<version>.json``) with
Chinese and English labels; a contact stores the codes and the version they come from.

The problem categories hold at least those of the official hotline work report form
(心理援助热线工作报表): health, mental illness, emotional, sexual, romantic relationship,
marriage, family, children's education, other — each top category names the report row it is
counted in (``report``); reports count by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

VERSION = "codes-2026.1"
REPORT_ROWS = (
    "health",
    "mental_illness",
    "emotional",
    "sexual",
    "romantic",
    "marriage",
    "family",
    "child_education",
    "other",
)


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str
    parent: str = ""
    report: str = ""

    @property
    def label(self) -> str:
        return self.en if (get_language() or "zh-hans").startswith("en") else self.zh


@dataclass(frozen=True)
class Vocabulary:
    version: str
    problems: tuple[Code, ...]  # top categories and their children, in file order
    interventions: tuple[Code, ...]
    resources: tuple[Code, ...]

    def top_problems(self) -> list[Code]:
        return [c for c in self.problems if not c.parent]

    def children(self, parent: str) -> list[Code]:
        return [c for c in self.problems if c.parent == parent]

    def by_code(self, kind: str) -> dict[str, Code]:
        return {c.code: c for c in getattr(self, kind)}

    def report_row(self, problem_code: str) -> str:
        """The work-report row a problem code counts in (its top category's)."""
        top = problem_code.split(".", 1)[0]
        code = self.by_code("problems").get(top)
        return code.report if code else "other"


class VocabularyError(ValueError):
    pass


def _load(path: Path) -> Vocabulary:
    data = json.loads(path.read_text(encoding="utf-8"))
    problems: list[Code] = []
    for top in data["problems"]:
        if top["report"] not in REPORT_ROWS:
            raise VocabularyError(f"{top['code']}: unknown report row {top['report']}")
        problems.append(Code(top["code"], top["zh"], top["en"], report=top["report"]))
        for child in top.get("children", []):
            if not child["code"].startswith(top["code"] + "."):
                raise VocabularyError(f"{child['code']} is not under {top['code']}")
            problems.append(
                Code(child["code"], child["zh"], child["en"], top["code"], top["report"])
            )
    vocabulary = Vocabulary(
        version=data["version"],
        problems=tuple(problems),
        interventions=tuple(Code(c["code"], c["zh"], c["en"]) for c in data["interventions"]),
        resources=tuple(Code(c["code"], c["zh"], c["en"]) for c in data["resources"]),
    )
    for kind in ("problems", "interventions", "resources"):
        codes = [c.code for c in getattr(vocabulary, kind)]
        if len(codes) != len(set(codes)):
            raise VocabularyError(f"duplicate codes among {kind}")
        if any(not c.zh or not c.en for c in getattr(vocabulary, kind)):
            raise VocabularyError(f"a code among {kind} lacks a label")
    return vocabulary


@cache
def vocabulary(version: str = VERSION) -> Vocabulary:
    return _load(Path(__file__).with_name(f"{version}.json"))


def clean_codes(kind: str, values, *, version: str = VERSION) -> list[str]:
    """Known codes of ``kind``, each once, in the order given (for problems: most urgent
    first). Raises VocabularyError naming an unknown code."""
    known = vocabulary(version).by_code(kind)
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise VocabularyError("expected a list of codes")
    unknown = [v for v in values if v not in known]
    if unknown:
        raise VocabularyError(", ".join(unknown))
    return list(dict.fromkeys(values))


def labels(kind: str, codes, *, version: str = VERSION) -> list[str]:
    known = vocabulary(version).by_code(kind)
    return [known[c].label if c in known else c for c in codes]
