"""``/api/v1/scales``: the scales offered and pure scoring (stores nothing, so it is public,
like the self-test portal that uses it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from xinyuan.assessments import registry
from xinyuan.assessments.rules import RULE_VERSION, AnswerProblem

scales_router = Router(tags=["scales"], auth=None)


class OptionOut(Schema):
    value: int
    label: str
    loinc: str | None


class ScaleOut(Schema):
    code: str
    version: str
    title: str
    topic: str
    items: int
    recall_period: str
    minutes: int
    wording_status: dict[str, str]
    loinc_panel: str | None
    bands: list[str]


class ScoreIn(Schema):
    # Any JSON list: each answer is checked here, so a bad one is named by its item.
    answers: list[Any]


class ScoreOut(Schema):
    scale: str
    version: str
    rule_version: str
    total: int | float
    band: str
    band_label: str
    flags: list[str]
    subscales: dict[str, int | float]


class ProblemOut(Schema):
    detail: list[dict[str, Any]]


class NotFoundOut(Schema):
    detail: str


def _scale_out(compiled) -> dict:
    scale, language = compiled.scale, get_language()
    return {
        "code": scale.code,
        "version": scale.version,
        "title": scale.title.get(language),
        "topic": scale.topic.get(language),
        "items": len(scale.items),
        "recall_period": scale.recall_period.get(language),
        "minutes": scale.minutes,
        "wording_status": {
            "zh-hans": scale.wording_status.zh_hans,
            "en": scale.wording_status.en,
        },
        "loinc_panel": scale.codes.loinc_panel,
        "bands": [band.code for band in scale.bands],
    }


@scales_router.get("", response=list[ScaleOut], summary="List the scales offered")
def list_scales(request):
    return [_scale_out(c) for _code, c in sorted(registry.scales().items())]


def problem_message(compiled, problem: AnswerProblem) -> str:
    """What is wrong with one answer, in the user's language, naming the item."""
    if problem.problem == "count":
        return _("Give one answer per item: %(n)s answers, in item order.") % {"n": compiled.n}
    allowed = ", ".join(str(v) for v in problem.allowed)
    if problem.problem == "not_integer":
        return _("Item %(item)s: the answer must be a whole number (one of %(allowed)s).") % {
            "item": problem.item,
            "allowed": allowed,
        }
    return _("Item %(item)s: %(given)s is not an option (choose one of %(allowed)s).") % {
        "item": problem.item,
        "given": problem.given,
        "allowed": allowed,
    }


@scales_router.post(
    "/{code}/score",
    response={200: ScoreOut, 404: NotFoundOut, 422: ProblemOut},
    summary="Score answers (stores nothing)",
)
def score_scale(request, code: str, payload: ScoreIn):
    compiled = registry.get(code)
    if compiled is None:
        return Status(404, {"detail": _("No scale with this code.")})
    problems = compiled.problems(payload.answers)
    if problems:
        return Status(
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "answers"] + ([p.index] if p.index is not None else []),
                        "item": p.item,
                        "msg": problem_message(compiled, p),
                        "type": p.problem,
                    }
                    for p in problems
                ]
            },
        )
    result = compiled.score(payload.answers)
    band = next(b for b in compiled.scale.bands if b.code == result.band)
    return {
        "scale": result.scale,
        "version": result.version,
        "rule_version": RULE_VERSION,
        "total": result.total,
        "band": result.band,
        "band_label": band.label.get(get_language()),
        "flags": list(result.flags),
        "subscales": result.subscales,
    }


@scales_router.get(
    "/{code}/fhir",
    response={200: dict[str, Any], 404: NotFoundOut},
    summary="The scale as a FHIR R4 Questionnaire",
)
def scale_questionnaire(request, code: str):
    """With LOINC codes where they exist; unverified wording is marked in the resource."""
    from xinyuan.assessments import fhir

    compiled = registry.get(code)
    if compiled is None:
        return Status(404, {"detail": _("No scale with this code.")})
    return fhir.questionnaire(compiled.scale, get_language() or "zh-hans")
