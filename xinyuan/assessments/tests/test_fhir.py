"""FHIR R4 export: every shipped scale gives a Questionnaire and scored QuestionnaireResponses
that a FHIR model library accepts, with the LOINC codes of the scale file and answers that are
exactly the Questionnaire's answer options.

Validation uses fhir.resources 8.x, whose ``fhir.resources.R4B`` package models FHIR R4B
(4.3.0); the package has no separate R4 (4.0.1) module. Questionnaire, QuestionnaireResponse
and Bundle have the same elements in R4 and R4B, so what R4B accepts here is valid R4."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone

from django.test import SimpleTestCase
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyuan.assessments import fhir, registry
from xinyuan.assessments.registry import BUILTIN_DIR
from xinyuan.assessments.rules import Compiled
from xinyuan.assessments.schema import LANGUAGES, ScaleFile

AUTHORED = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
PHQ9 = json.loads((BUILTIN_DIR / "phq9.json").read_text(encoding="utf-8"))


def validated_questionnaire(scale, language="zh-hans") -> dict:
    resource = fhir.questionnaire(scale, language)
    Questionnaire.model_validate_json(json.dumps(resource, ensure_ascii=False))
    return resource


def validated_response(compiled, answers, language="zh-hans", **kwargs) -> tuple[dict, object]:
    result = compiled.score(answers)
    kwargs.setdefault("subject_reference", "Patient/p-1")
    resource = fhir.questionnaire_response(
        compiled.scale,
        list(answers),
        result,
        authored=AUTHORED,
        response_id="r-1",
        language=language,
        **kwargs,
    )
    QuestionnaireResponse.model_validate_json(json.dumps(resource, ensure_ascii=False))
    return resource, result


def answer_vectors(scale) -> list[list[int]]:
    """Lowest everywhere, highest everywhere, and a mix walking through the options."""
    options = [sorted(o.value for o in scale.options_for(item)) for item in scale.items]
    return [
        [values[0] for values in options],
        [values[-1] for values in options],
        [values[i % len(values)] for i, values in enumerate(options)],
    ]


def items_by_link_id(resource: dict) -> dict[str, dict]:
    return {item["linkId"]: item for item in resource["item"]}


def coding_key(coding: dict) -> tuple:
    return coding["system"], coding["code"], coding.get("display")


def ordinal(option: dict) -> float:
    (value,) = [e["valueDecimal"] for e in option["extension"] if e["url"] == fhir.ORDINAL_VALUE]
    return value


def local_scale(**changes) -> ScaleFile:
    """A site scale without LOINC codes: three items 0–4, the second reversed, mean × 25."""
    data = copy.deepcopy(PHQ9)
    data.update(code="mood_3", critical_items=[], subscales=[], codes={})
    data["options"] = [{"value": v, "label": {"zh-hans": f"{v}分", "en": str(v)}} for v in range(5)]
    data["items"] = [
        {"id": str(i), "text": {"zh-hans": f"第{i}题", "en": f"Item {i}"}, "reversed": i == 2}
        for i in (1, 2, 3)
    ]
    data["scoring"] = {"method": "mean", "multiplier": 25}
    data["bands"] = [
        {**PHQ9["bands"][0], "code": "low", "min": 0, "max": 49.99},
        {**PHQ9["bands"][1], "code": "high", "min": 50, "max": 100},
    ]
    data.update(changes)
    return ScaleFile.model_validate(data)


class QuestionnaireTests(SimpleTestCase):
    def test_every_scale_gives_a_valid_questionnaire_in_both_languages(self):
        self.assertTrue(registry.scales())
        for code, compiled in registry.scales().items():
            scale = compiled.scale
            for language in LANGUAGES:
                with self.subTest(code=code, language=language):
                    q = validated_questionnaire(scale, language)
                    self.assertRegex(q["id"], r"^[A-Za-z0-9\-.]{1,64}$")
                    self.assertTrue(q["id"].startswith(f"xinyuan-{code.replace('_', '-')}-"))
                    self.assertEqual(q["url"], f"https://xinyuan.example/fhir/Questionnaire/{code}")
                    self.assertEqual(q["version"], scale.version)
                    self.assertEqual(q["status"], "active")
                    self.assertEqual(q["title"], scale.title.get(language))
                    self.assertEqual(q["copyright"], scale.licence.text)
                    self.assertRegex(q["name"], r"^[A-Z][A-Za-z0-9_]{0,254}$")
                    first, *questions, total, band = q["item"]
                    self.assertEqual(first["type"], "display")
                    self.assertEqual(first["text"], scale.instructions.get(language))
                    self.assertEqual([i["linkId"] for i in questions], [i.id for i in scale.items])
                    for item, entry in zip(scale.items, questions, strict=True):
                        self.assertEqual(entry["text"], item.text.get(language))
                        self.assertEqual((entry["type"], entry["required"]), ("choice", True))
                        if item.loinc:
                            self.assertEqual(
                                entry["code"], [{"system": fhir.LOINC, "code": item.loinc}]
                            )
                        else:
                            self.assertNotIn("code", entry)
                        options = scale.options_for(item)
                        self.assertEqual(len(entry["answerOption"]), len(options))
                        for option, answer in zip(options, entry["answerOption"], strict=True):
                            coding = answer["valueCoding"]
                            self.assertEqual(coding["display"], option.label.get(language))
                            if option.loinc:
                                self.assertEqual(coding["system"], fhir.LOINC)
                                self.assertEqual(coding["code"], option.loinc)
                            else:
                                self.assertEqual(
                                    coding["system"],
                                    f"https://xinyuan.example/fhir/CodeSystem/{code}-answers",
                                )
                                self.assertEqual(coding["code"], str(option.value))
                    self.assertEqual((total["linkId"], total["readOnly"]), ("total", True))
                    self.assertEqual(band["linkId"], "band")
                    self.assertEqual(
                        [o["valueCoding"]["code"] for o in band["answerOption"]],
                        [b.code for b in scale.bands],
                    )

    def test_ordinal_values_add_up_to_the_raw_score(self):
        # Choosing every option's ordinalValue and combining them as the scale's rule does
        # gives the total rules.py computes: the extension carries the points, not the code.
        for code, compiled in registry.scales().items():
            scale = compiled.scale
            q = items_by_link_id(fhir.questionnaire(scale))
            for answers in answer_vectors(scale):
                with self.subTest(code=code, answers=answers):
                    points = []
                    for item, value in zip(scale.items, answers, strict=True):
                        index = [o.value for o in scale.options_for(item)].index(value)
                        points.append(ordinal(q[item.id]["answerOption"][index]))
                    raw = sum(points) / (len(points) if scale.scoring.method == "mean" else 1)
                    self.assertAlmostEqual(
                        raw * scale.scoring.multiplier, compiled.score(answers).total, places=2
                    )

    def test_phq9_carries_its_loinc_codes(self):
        q = validated_questionnaire(registry.get("phq9").scale)
        self.assertEqual(q["code"], [{"system": "http://loinc.org", "code": "44249-1"}])
        items = items_by_link_id(q)
        self.assertEqual(items["9"]["code"], [{"system": "http://loinc.org", "code": "44260-8"}])
        self.assertEqual(
            items["total"]["code"], [{"system": "http://loinc.org", "code": "44261-6"}]
        )
        self.assertEqual(items["total"]["type"], "integer")
        self.assertEqual(
            [(o["valueCoding"]["code"], ordinal(o)) for o in items["1"]["answerOption"]],
            [("LA6568-5", 0), ("LA6569-3", 1), ("LA6570-1", 2), ("LA6571-9", 3)],
        )

    def test_gad7_carries_its_loinc_panel(self):
        compiled = registry.get("gad7")
        if compiled is None:
            self.skipTest("gad7.json is not shipped yet")
        q = validated_questionnaire(compiled.scale)
        self.assertEqual(q["code"][0], {"system": "http://loinc.org", "code": "69737-5"})
        self.assertEqual(
            items_by_link_id(q)["total"]["code"],
            [{"system": "http://loinc.org", "code": "70274-6"}],
        )

    def test_unverified_wording_is_never_presented_as_validated(self):
        for code, compiled in registry.scales().items():
            scale = compiled.scale
            for language in LANGUAGES:
                with self.subTest(code=code, language=language):
                    q = fhir.questionnaire(scale, language)
                    status = fhir.wording_status(scale, language)
                    self.assertIn(
                        {"url": fhir.wording_status_url(), "valueCode": status}, q["extension"]
                    )
                    notice = "措辞未经核实" if language == "zh-hans" else "UNVERIFIED WORDING"
                    if status == "unverified":
                        first_paragraph = q["description"].split("\n\n")[0]
                        self.assertIn(notice, first_paragraph)
                    else:
                        self.assertNotIn(notice, q["description"])
        # A scale whose Chinese wording is unverified and English sourced.
        scale = local_scale(wording_status={"zh-hans": "unverified", "en": "sourced"})
        self.assertIn("措辞未经核实", fhir.questionnaire(scale)["description"])
        self.assertNotIn("UNVERIFIED", fhir.questionnaire(scale, "en")["description"])
        response = fhir.questionnaire_response(
            scale,
            [1, 2, 3],
            Compiled(scale).score([1, 2, 3]),
            subject_reference=None,
            authored=AUTHORED,
            response_id="r-2",
        )
        self.assertIn(
            {"url": fhir.wording_status_url(), "valueCode": "unverified"}, response["extension"]
        )

    def test_a_scale_without_loinc_uses_local_codes_and_decimal_totals(self):
        scale = local_scale()
        q = validated_questionnaire(scale, "en")
        self.assertNotIn("code", q)
        items = items_by_link_id(q)
        self.assertEqual(items["total"]["type"], "decimal")
        self.assertNotIn("code", items["total"])
        system = "https://xinyuan.example/fhir/CodeSystem/mood_3-answers"
        self.assertEqual(
            [
                (o["valueCoding"]["system"], o["valueCoding"]["code"])
                for o in items["1"]["answerOption"]
            ],
            [(system, str(v)) for v in range(5)],
        )
        # The reversed item's options keep their codes; their points count from the far end.
        self.assertEqual([ordinal(o) for o in items["1"]["answerOption"]], [0, 1, 2, 3, 4])
        self.assertEqual([ordinal(o) for o in items["2"]["answerOption"]], [4, 3, 2, 1, 0])
        self.assertTrue(q["id"].startswith("xinyuan-mood-3-"))
        compiled = Compiled(scale)
        response, result = validated_response(compiled, [1, 0, 2], "en")
        total = items_by_link_id(response)["total"]["answer"]
        self.assertEqual(total, [{"valueDecimal": result.total}])
        self.assertEqual(result.total, 58.33)  # (1 + 4 + 2) / 3 × 25, to two decimals

    def test_ids_follow_fhir_rules(self):
        self.assertEqual(fhir.fhir_id("xinyuan", "phq9", "2026.1"), "xinyuan-phq9-2026-1")
        self.assertEqual(fhir.fhir_id("xinyuan", "k_10", "v1_2"), "xinyuan-k-10-v1-2")
        self.assertEqual(len(fhir.fhir_id("x" * 100)), 64)

    def test_the_base_url_is_a_parameter(self):
        scale = registry.get("phq9").scale
        q = fhir.questionnaire(scale, base="https://fhir.example.org/r4/")
        self.assertEqual(q["url"], "https://fhir.example.org/r4/Questionnaire/phq9")
        answers = [0] * len(scale.items)
        response = fhir.questionnaire_response(
            scale,
            answers,
            registry.get("phq9").score(answers),
            subject_reference=None,
            authored=AUTHORED,
            response_id="r-1",
            base="https://fhir.example.org/r4",
        )
        self.assertEqual(response["questionnaire"], f"{q['url']}|{scale.version}")
        band = items_by_link_id(response)["band"]["answer"][0]["valueCoding"]
        self.assertEqual(band["system"], "https://fhir.example.org/r4/CodeSystem/phq9-bands")


class QuestionnaireResponseTests(SimpleTestCase):
    def check_response(self, compiled, answers, language="zh-hans"):
        scale = compiled.scale
        q = fhir.questionnaire(scale, language)
        response, result = validated_response(compiled, answers, language)
        self.assertEqual(response["status"], "completed")
        self.assertEqual(response["questionnaire"], f"{q['url']}|{q['version']}")
        self.assertEqual(response["subject"], {"reference": "Patient/p-1"})
        self.assertEqual(response["authored"], "2026-03-01T09:30:00+08:00")
        self.assertEqual(response["language"], q["language"])
        q_items = items_by_link_id(q)
        # Every linkId answered is one the Questionnaire declares, in its order.
        linked = [i["linkId"] for i in response["item"]]
        self.assertEqual(linked, [i["linkId"] for i in q["item"] if i["type"] != "display"])
        *answered, total, band = response["item"]
        for item, value, entry in zip(scale.items, answers, answered, strict=True):
            (answer,) = entry["answer"]
            allowed = {coding_key(o["valueCoding"]) for o in q_items[item.id]["answerOption"]}
            self.assertIn(coding_key(answer["valueCoding"]), allowed)
            (chosen,) = [
                o
                for o in q_items[item.id]["answerOption"]
                if o["valueCoding"] == answer["valueCoding"]
            ]
            option_values = [o.value for o in scale.options_for(item)]
            self.assertEqual(
                q_items[item.id]["answerOption"].index(chosen), option_values.index(value)
            )
        (total_answer,) = total["answer"]
        if q_items["total"]["type"] == "integer":
            self.assertEqual(total_answer, {"valueInteger": result.total})
            self.assertIsInstance(total_answer["valueInteger"], int)
        else:
            self.assertEqual(total_answer, {"valueDecimal": result.total})
        (band_answer,) = band["answer"]
        self.assertEqual(band_answer["valueCoding"]["code"], result.band)
        self.assertIn(
            coding_key(band_answer["valueCoding"]),
            {coding_key(o["valueCoding"]) for o in q_items["band"]["answerOption"]},
        )
        return response, result

    def test_every_scale_gives_valid_responses_matching_its_questionnaire(self):
        for code, compiled in registry.scales().items():
            for answers in answer_vectors(compiled.scale):
                for language in LANGUAGES:
                    with self.subTest(code=code, answers=answers, language=language):
                        self.check_response(compiled, answers, language)

    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def test_any_valid_answers_give_a_valid_response(self, data):
        code = data.draw(st.sampled_from(sorted(registry.scales())))
        compiled = registry.get(code)
        answers = [
            data.draw(st.sampled_from(sorted(o.value for o in compiled.scale.options_for(item))))
            for item in compiled.scale.items
        ]
        self.check_response(compiled, answers)

    def test_phq9_response(self):
        compiled = registry.get("phq9")
        response, result = self.check_response(compiled, [1, 2, 0, 3, 1, 0, 0, 1, 2])
        self.assertEqual((result.total, result.band), (10, "moderate"))
        items = items_by_link_id(response)
        self.assertEqual(items["total"]["answer"], [{"valueInteger": 10}])
        self.assertEqual(
            items["9"]["answer"][0]["valueCoding"],
            {"system": "http://loinc.org", "code": "LA6570-1", "display": "一半以上的天数"},
        )
        self.assertEqual(
            items["band"]["answer"][0]["valueCoding"],
            {
                "system": "https://xinyuan.example/fhir/CodeSystem/phq9-bands",
                "code": "moderate",
                "display": "中度抑郁",
            },
        )

    def test_anonymous_results_have_no_subject(self):
        compiled = registry.get("phq9")
        response, _result = validated_response(
            compiled, [0] * len(compiled.scale.items), subject_reference=None
        )
        self.assertNotIn("subject", response)

    def test_authored_keeps_its_time_zone_and_must_have_one(self):
        compiled = registry.get("phq9")
        answers = [0] * len(compiled.scale.items)
        result = compiled.score(answers)

        def export(**kwargs):
            return fhir.questionnaire_response(
                compiled.scale, answers, result, subject_reference=None, **kwargs
            )

        utc = export(authored=datetime(2026, 3, 1, 1, 30, tzinfo=UTC), response_id="r-1")
        self.assertEqual(utc["authored"], "2026-03-01T01:30:00+00:00")
        with self.assertRaisesRegex(ValueError, "time zone"):
            export(authored=datetime(2026, 3, 1, 1, 30), response_id="r-1")
        with self.assertRaisesRegex(ValueError, "not a FHIR id"):
            export(authored=AUTHORED, response_id="r_1")

    def test_answers_that_do_not_fit_are_refused(self):
        compiled = registry.get("phq9")
        answers = [0] * len(compiled.scale.items)
        result = compiled.score(answers)

        def export(scale, answers, result):
            return fhir.questionnaire_response(
                scale,
                answers,
                result,
                subject_reference=None,
                authored=AUTHORED,
                response_id="r-1",
            )

        with self.assertRaisesRegex(ValueError, "not an option"):
            export(compiled.scale, [0] * 8 + [7], result)
        with self.assertRaisesRegex(ValueError, "answers"):
            export(compiled.scale, [0] * 8, result)
        other = local_scale()
        with self.assertRaisesRegex(ValueError, "does not belong"):
            export(other, [0, 0, 0], result)


class BundleTests(SimpleTestCase):
    def test_one_persons_responses_in_a_bundle(self):
        resources = []
        for number, code in enumerate(sorted(registry.scales())):
            compiled = registry.get(code)
            answers = answer_vectors(compiled.scale)[2]
            resources.append(
                fhir.questionnaire_response(
                    compiled.scale,
                    answers,
                    compiled.score(answers),
                    subject_reference="Patient/p-1",
                    authored=AUTHORED,
                    response_id=f"r-{number}",
                )
            )
        exported = fhir.bundle(resources, bundle_id="export-1", timestamp=AUTHORED)
        Bundle.model_validate_json(json.dumps(exported, ensure_ascii=False))
        self.assertEqual((exported["type"], exported["id"]), ("collection", "export-1"))
        self.assertEqual([e["resource"] for e in exported["entry"]], resources)
        self.assertEqual(
            exported["entry"][0]["fullUrl"],
            "https://xinyuan.example/fhir/QuestionnaireResponse/r-0",
        )
        self.assertTrue(all("request" not in e for e in exported["entry"]))
        for entry in exported["entry"]:
            self.assertEqual(entry["resource"]["subject"], {"reference": "Patient/p-1"})

    def test_questionnaires_and_responses_in_a_transaction(self):
        compiled = registry.get("phq9")
        answers = [3] * len(compiled.scale.items)
        resources = [
            fhir.questionnaire(compiled.scale),
            fhir.questionnaire_response(
                compiled.scale,
                answers,
                compiled.score(answers),
                subject_reference=None,
                authored=AUTHORED,
                response_id="r-9",
            ),
        ]
        exported = fhir.bundle(resources, "transaction")
        Bundle.model_validate_json(json.dumps(exported, ensure_ascii=False))
        self.assertEqual(
            [e["request"] for e in exported["entry"]],
            [
                {"method": "PUT", "url": "Questionnaire/xinyuan-phq9-2026-1"},
                {"method": "PUT", "url": "QuestionnaireResponse/r-9"},
            ],
        )

    def test_refusals(self):
        with self.assertRaisesRegex(ValueError, "bundle type"):
            fhir.bundle([], "document")
        with self.assertRaisesRegex(ValueError, "twice"):
            fhir.bundle([{"resourceType": "Basic", "id": "a"}] * 2)
        with self.assertRaisesRegex(ValueError, "resourceType and an id"):
            fhir.bundle([{"resourceType": "Basic"}])
        empty = fhir.bundle([])
        Bundle.model_validate(empty)
        self.assertNotIn("entry", empty)

    def test_output_is_plain_json(self):
        compiled = registry.get("phq9")
        q = fhir.questionnaire(compiled.scale)
        self.assertEqual(json.loads(json.dumps(q)), q)
