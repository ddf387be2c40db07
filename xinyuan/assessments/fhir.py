"""FHIR R4 export of scales and scored results: pure functions returning plain dicts ready for
``json.dumps`` (no database access, no Django).

- ``questionnaire(scale)``: the scale as a ``Questionnaire`` (``code``: the LOINC panel and the
  SNOMED CT concept, where the scale file has them); each answer option carries its
  LOINC answer code where the scale file has one (else a local code = the option's value) and
  the points it adds to the score in the standard ``ordinalValue`` extension.
- ``questionnaire_response(scale, answers, result, ...)``: one scored result as a
  ``QuestionnaireResponse``; each answer is the very coding of the chosen ``answerOption``,
  then the total (linkId ``total``) and the band (linkId ``band``).
- ``bundle(resources)``: several resources (say, one person's responses) in one ``Bundle``.

FHIR has no ``code`` on ``QuestionnaireResponse.item``, so the Questionnaire also declares the
read-only ``total`` and ``band`` items the response fills in: the LOINC total code sits on the
Questionnaire's ``total`` item, and every linkId of a response is one of its Questionnaire.

Wording whose status is "unverified" in the language exported is never presented as
validated: the resources say so in the ``wording-status`` extension and, on the Questionnaire,
in a sentence at the head of ``description``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from xinyuan.assessments.rules import Result
from xinyuan.assessments.schema import Item, Option, ScaleFile

DEFAULT_BASE = "https://xinyuan.example/fhir"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TOTAL_LINK_ID = "total"
BAND_LINK_ID = "band"
INSTRUCTIONS_LINK_ID = "instructions"  # 12 characters: no item id (at most 10) can take it
BUNDLE_TYPES = ("collection", "batch", "transaction")

_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

# Fixed wording of the export, by interface language ("zh-hans" or "en").
_WORDS = {
    "zh-hans": {
        "total": "总分",
        "band": "结果分级",
        "wording": "措辞说明：",
        "unverified": (
            "【措辞未经核实】本问卷的中文措辞尚未与经验证的版本核对，不能视为经过验证的量表版本。"
        ),
    },
    "en": {
        "total": "Total score",
        "band": "Result band",
        "wording": "About the wording: ",
        "unverified": (
            "[UNVERIFIED WORDING] The English wording of this questionnaire has not been "
            "checked against a validated version; do not treat it as the validated instrument."
        ),
    },
}

JSON = dict[str, Any]


def _lang(language: str) -> str:
    """The interface language a ``Text`` gives for ``language`` (as ``Text.get`` decides)."""
    return "en" if (language or "").startswith("en") else "zh-hans"


def _bcp47(language: str) -> str:
    """FHIR ``language`` is a BCP-47 tag: script subtags are written ``Hans``."""
    return "en" if _lang(language) == "en" else "zh-Hans"


def fhir_id(*parts: str) -> str:
    """A FHIR id from ``parts``: anything outside [A-Za-z0-9-] becomes "-" (so "2026.1" gives
    "2026-1"; dots are legal in ids but read as a format suffix by some servers)."""
    value = re.sub(r"[^A-Za-z0-9-]", "-", "-".join(parts))[:64]
    if not _ID.match(value):
        raise ValueError(f"cannot make a FHIR id from {parts!r}")
    return value


def questionnaire_url(scale: ScaleFile, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/Questionnaire/{scale.code}"


def questionnaire_canonical(scale: ScaleFile, base: str = DEFAULT_BASE) -> str:
    """The versioned canonical a response points to: ``<url>|<version>``."""
    return f"{questionnaire_url(scale, base)}|{scale.version}"


def answers_system(scale: ScaleFile, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/CodeSystem/{scale.code}-answers"


def bands_system(scale: ScaleFile, base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/CodeSystem/{scale.code}-bands"


def wording_status_url(base: str = DEFAULT_BASE) -> str:
    return f"{base.rstrip('/')}/StructureDefinition/wording-status"


def wording_status(scale: ScaleFile, language: str) -> str:
    """ "sourced", "corroborated" or "unverified": the status of the wording in ``language``."""
    return scale.wording_status.en if _lang(language) == "en" else scale.wording_status.zh_hans


def _whole_totals(scale: ScaleFile) -> bool:
    """Whether every total is a whole number: a sum of whole values times a whole multiplier."""
    return scale.scoring.method == "sum" and float(scale.scoring.multiplier).is_integer()


def _points(scale: ScaleFile, item: Item, option: Option) -> int:
    """What choosing ``option`` adds to the raw score (reversed items count from the far end),
    as ``rules.Compiled`` counts it; the multiplier (or mean) is applied to the sum of these."""
    if not item.reversed:
        return option.value
    values = [o.value for o in scale.options_for(item)]
    return min(values) + max(values) - option.value


def answer_coding(
    scale: ScaleFile, option: Option, language: str = "zh-hans", base: str = DEFAULT_BASE
) -> JSON:
    """The coding of one answer: its LOINC answer code, or a local code = the option's value."""
    if option.loinc:
        system, code = LOINC, option.loinc
    else:
        system, code = answers_system(scale, base), str(option.value)
    return {"system": system, "code": code, "display": option.label.get(language)}


def band_coding(
    scale: ScaleFile, band_code: str, language: str = "zh-hans", base: str = DEFAULT_BASE
) -> JSON:
    band = next((b for b in scale.bands if b.code == band_code), None)
    if band is None:
        raise ValueError(f"{scale.code} has no band {band_code!r}")
    return {
        "system": bands_system(scale, base),
        "code": band.code,
        "display": band.label.get(language),
    }


def _loinc(code: str | None) -> list[JSON] | None:
    return [{"system": LOINC, "code": code}] if code else None


def _check_link_ids(scale: ScaleFile) -> None:
    reserved = {TOTAL_LINK_ID, BAND_LINK_ID, INSTRUCTIONS_LINK_ID} & {i.id for i in scale.items}
    if reserved:
        raise ValueError(f"{scale.code}: item ids {sorted(reserved)} clash with export linkIds")


def _wording_extension(scale: ScaleFile, language: str, base: str) -> JSON:
    return {"url": wording_status_url(base), "valueCode": wording_status(scale, language)}


def _description(scale: ScaleFile, language: str) -> str:
    words = _WORDS[_lang(language)]
    parts = []
    if wording_status(scale, language) == "unverified":
        parts.append(words["unverified"])
    parts.append(words["wording"] + scale.wording_notes.get(language))
    return "\n\n".join(parts)


def questionnaire(scale: ScaleFile, language: str = "zh-hans", *, base: str = DEFAULT_BASE) -> JSON:
    """The scale as a FHIR R4 ``Questionnaire`` in ``language``."""
    _check_link_ids(scale)
    words = _WORDS[_lang(language)]
    items: list[JSON] = [
        {
            "linkId": INSTRUCTIONS_LINK_ID,
            "text": scale.instructions.get(language),
            "type": "display",
        }
    ]
    for item in scale.items:
        entry: JSON = {"linkId": item.id}
        if code := _loinc(item.loinc):
            entry["code"] = code
        entry.update(
            text=item.text.get(language),
            type="choice",
            required=True,
            answerOption=[
                {
                    "extension": [
                        {"url": ORDINAL_VALUE, "valueDecimal": _points(scale, item, option)}
                    ],
                    "valueCoding": answer_coding(scale, option, language, base),
                }
                for option in scale.options_for(item)
            ],
        )
        items.append(entry)
    total: JSON = {"linkId": TOTAL_LINK_ID}
    if code := _loinc(scale.codes.loinc_total):
        total["code"] = code
    total.update(
        text=words["total"],
        type="integer" if _whole_totals(scale) else "decimal",
        readOnly=True,
    )
    items.append(total)
    items.append(
        {
            "linkId": BAND_LINK_ID,
            "text": words["band"],
            "type": "choice",
            "readOnly": True,
            "answerOption": [
                {"valueCoding": band_coding(scale, band.code, language, base)}
                for band in scale.bands
            ],
        }
    )
    resource: JSON = {
        "resourceType": "Questionnaire",
        "id": fhir_id("xinyuan", scale.code, scale.version),
        "language": _bcp47(language),
        "extension": [_wording_extension(scale, language, base)],
        "url": questionnaire_url(scale, base),
        "version": scale.version,
        "name": "Xinyuan" + re.sub(r"[^A-Za-z0-9]", "", scale.code.upper()),
        "title": scale.title.get(language),
        "status": "active",
        "description": _description(scale, language),
        "copyright": scale.licence.text,
    }
    codes = _loinc(scale.codes.loinc_panel) or []
    if scale.codes.snomed:
        codes.append({"system": SNOMED, "code": scale.codes.snomed})
    if codes:
        resource["code"] = codes
    resource["item"] = items
    return resource


def questionnaire_response(
    scale: ScaleFile,
    answers: list[int],
    result: Result,
    *,
    subject_reference: str | None,
    authored: datetime,
    response_id: str,
    language: str = "zh-hans",
    base: str = DEFAULT_BASE,
) -> JSON:
    """One scored result as a FHIR R4 ``QuestionnaireResponse`` of ``questionnaire(scale)``.

    ``answers`` are the option values in item order (already checked, as for scoring);
    ``subject_reference`` (e.g. "Patient/123") only for identified results; ``authored`` must
    carry its time zone."""
    _check_link_ids(scale)
    if result.scale != scale.code or result.version != scale.version:
        raise ValueError(
            f"result of {result.scale} {result.version} does not belong to "
            f"{scale.code} {scale.version}"
        )
    if len(answers) != len(scale.items):
        raise ValueError(f"{scale.code} has {len(scale.items)} items, got {len(answers)} answers")
    if authored.tzinfo is None or authored.utcoffset() is None:
        raise ValueError("authored must carry its time zone")
    if not _ID.match(response_id):
        raise ValueError(f"{response_id!r} is not a FHIR id ([A-Za-z0-9-.]{{1,64}})")
    words = _WORDS[_lang(language)]
    items: list[JSON] = []
    for item, value in zip(scale.items, answers, strict=True):
        option = next((o for o in scale.options_for(item) if o.value == value), None)
        if option is None or isinstance(value, bool):
            raise ValueError(f"{scale.code} item {item.id}: {value!r} is not an option")
        items.append(
            {
                "linkId": item.id,
                "text": item.text.get(language),
                "answer": [{"valueCoding": answer_coding(scale, option, language, base)}],
            }
        )
    if _whole_totals(scale):
        if not float(result.total).is_integer():
            raise ValueError(f"{scale.code}: total {result.total} should be a whole number")
        total_answer: JSON = {"valueInteger": int(result.total)}
    else:
        total_answer = {"valueDecimal": result.total}
    items.append({"linkId": TOTAL_LINK_ID, "text": words["total"], "answer": [total_answer]})
    items.append(
        {
            "linkId": BAND_LINK_ID,
            "text": words["band"],
            "answer": [{"valueCoding": band_coding(scale, result.band, language, base)}],
        }
    )
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "language": _bcp47(language),
        "extension": [_wording_extension(scale, language, base)],
        "questionnaire": questionnaire_canonical(scale, base),
        "status": "completed",
    }
    if subject_reference:
        resource["subject"] = {"reference": subject_reference}
    resource["authored"] = authored.isoformat()
    resource["item"] = items
    return resource


def bundle(
    resources: list[JSON],
    bundle_type: str = "collection",
    *,
    bundle_id: str | None = None,
    timestamp: datetime | None = None,
    base: str = DEFAULT_BASE,
) -> JSON:
    """Several resources in one FHIR R4 ``Bundle``. Each entry's ``fullUrl`` is
    ``<base>/<type>/<id>``; a "batch" or "transaction" bundle PUTs each resource by its id."""
    if bundle_type not in BUNDLE_TYPES:
        raise ValueError(f"bundle type must be one of {BUNDLE_TYPES}")
    if bundle_id is not None and not _ID.match(bundle_id):
        raise ValueError(f"{bundle_id!r} is not a FHIR id")
    if timestamp is not None and timestamp.utcoffset() is None:
        raise ValueError("timestamp must carry its time zone")
    entries: list[JSON] = []
    seen: set[str] = set()
    for resource in resources:
        kind, rid = resource.get("resourceType"), resource.get("id")
        if not kind or not rid:
            raise ValueError("each resource needs a resourceType and an id")
        path = f"{kind}/{rid}"
        if path in seen:
            raise ValueError(f"{path} is in the bundle twice")
        seen.add(path)
        entry: JSON = {"fullUrl": f"{base.rstrip('/')}/{path}", "resource": resource}
        if bundle_type != "collection":
            entry["request"] = {"method": "PUT", "url": path}
        entries.append(entry)
    result: JSON = {"resourceType": "Bundle"}
    if bundle_id is not None:
        result["id"] = bundle_id
    result["type"] = bundle_type
    if timestamp is not None:
        result["timestamp"] = timestamp.isoformat()
    if entries:  # FHIR JSON has no empty arrays
        result["entry"] = entries
    return result
