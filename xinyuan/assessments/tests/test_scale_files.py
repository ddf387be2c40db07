"""Scales are data: a site adds one by dropping in a file; a malformed file is refused with a
message naming the problem."""

import copy
import json
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyuan.assessments import registry
from xinyuan.assessments.registry import BUILTIN_DIR, load_all
from xinyuan.assessments.rules import Compiled

PHQ9 = json.loads((BUILTIN_DIR / "phq9.json").read_text(encoding="utf-8"))


def site_scale(code="mood3", reversed_items=("2",)):
    """A small site scale: three items 0–4, the second reversed; mean × 25 on 0–100."""
    data = copy.deepcopy(PHQ9)
    data.update(code=code, critical_items=[], subscales=[])
    data["options"] = [{"value": v, "label": {"zh-hans": f"{v}分", "en": str(v)}} for v in range(5)]
    data["items"] = [
        {"id": str(i), "text": {"zh-hans": f"第{i}题", "en": f"Item {i}"},
         "reversed": str(i) in reversed_items}
        for i in (1, 2, 3)
    ]  # fmt: skip
    data["scoring"] = {"method": "mean", "multiplier": 25}
    data["bands"] = [
        {**PHQ9["bands"][0], "code": "low", "min": 0, "max": 49.99},
        {**PHQ9["bands"][1], "code": "high", "min": 50, "max": 100},
    ]
    return data


class ScaleFileTests(SimpleTestCase):
    def folder_with(self, files: dict[str, object]) -> Path:
        folder = Path(tempfile.mkdtemp())
        for name, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content)
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    def refused(self, name: str, content) -> str:
        scales, errors = load_all([self.folder_with({name: content})])
        self.assertEqual(scales, {})
        self.assertEqual(len(errors), 1)
        self.assertIn(name, errors[0].path)
        return errors[0].message

    def test_malformed_files_are_refused_naming_the_problem(self):
        self.assertIn("not valid JSON (line 1", self.refused("bad.json", "{oops"))
        missing = {k: v for k, v in PHQ9.items() if k != "licence"}
        self.assertIn("licence: Field required", self.refused("phq9.json", missing))
        gap = copy.deepcopy(PHQ9)
        gap["bands"][1]["min"] = 6
        self.assertIn("score 5 falls in no band", self.refused("phq9.json", gap))
        overlap = copy.deepcopy(PHQ9)
        overlap["bands"][1]["min"] = 4
        self.assertIn(
            "score 4 falls in bands ['minimal', 'mild']", self.refused("phq9.json", overlap)
        )
        twice = copy.deepcopy(PHQ9)
        twice["items"][1]["id"] = "1"
        self.assertIn("item ids must be unique", self.refused("phq9.json", twice))
        unknown = copy.deepcopy(PHQ9)
        unknown["critical_items"][0]["item"] = "10"
        self.assertIn("critical item 10", self.refused("phq9.json", unknown))
        status = copy.deepcopy(PHQ9)
        status["wording_status"]["zh-hans"] = "official"
        self.assertIn("wording_status.zh-hans", self.refused("phq9.json", status))
        self.assertIn("file name must be", self.refused("other.json", PHQ9))

    def test_a_site_adds_a_scale_by_dropping_a_file(self):
        folder = self.folder_with({"mood3.json": site_scale()})
        with override_settings(EXTRA_SCALES_DIR=str(folder)):
            registry.reload()
            try:
                self.assertIn("mood3", registry.scales())
                self.assertIn("phq9", registry.scales(), "the shipped ones stay")
                out = StringIO()
                call_command("check_scales", stdout=out)
                self.assertIn("mood3 2026.1: 3 items", out.getvalue())
            finally:
                registry.reload()

    def test_check_scales_fails_naming_a_refused_file(self):
        folder = self.folder_with({"broken.json": "[]"})
        with override_settings(EXTRA_SCALES_DIR=str(folder)):
            registry.reload()
            try:
                with self.assertRaisesMessage(CommandError, "broken.json"):
                    call_command("check_scales", stdout=StringIO())
                from xinyuan.assessments.checks import scale_files

                self.assertEqual([e.id for e in scale_files(None)], ["assessments.E001"])
            finally:
                registry.reload()

    def test_a_reversed_item_counts_from_the_other_end(self):
        from xinyuan.assessments.schema import ScaleFile

        scale = Compiled(ScaleFile.model_validate(site_scale()))
        self.assertEqual(scale.score([4, 0, 4]).total, 100)
        self.assertEqual(scale.score([0, 4, 0]).total, 0)
        self.assertEqual(scale.score([2, 1, 2]).total, 58.33)
        self.assertEqual(scale.score([2, 1, 2]).band, "high")

    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.integers(0, 4), min_size=3, max_size=3), st.integers(0, 2))
    def test_raising_a_reversed_answer_lowers_the_total(self, answers, index):
        from xinyuan.assessments.schema import ScaleFile

        scale = Compiled(ScaleFile.model_validate(site_scale()))
        if answers[index] == 4:
            return
        raised = list(answers)
        raised[index] += 1
        before, after = scale.score(answers).total, scale.score(raised).total
        self.assertTrue(0 <= before <= 100)
        if index == 1:
            self.assertLess(after, before)
        else:
            self.assertGreater(after, before)
