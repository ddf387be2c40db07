import json

from django.test import TestCase


class ScalesApiTests(TestCase):
    def score(self, code, answers, **headers):
        return self.client.post(
            f"/api/v1/scales/{code}/score",
            json.dumps({"answers": answers}),
            content_type="application/json",
            **headers,
        )

    def test_the_list_names_every_scale_with_its_wording_status(self):
        response = self.client.get("/api/v1/scales")
        self.assertEqual(response.status_code, 200)
        by_code = {s["code"]: s for s in response.json()}
        self.assertEqual(by_code["phq9"]["items"], 9)
        self.assertEqual(by_code["phq9"]["loinc_panel"], "44249-1")
        self.assertEqual(by_code["who5"]["wording_status"]["zh-hans"], "unverified")

    def test_a_score_answers_the_documented_fields(self):
        response = self.score("phq9", [1, 1, 2, 1, 1, 1, 1, 1, 1])
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            {k: body[k] for k in ("scale", "total", "band", "flags", "subscales")},
            {"scale": "phq9", "total": 10, "band": "moderate", "flags": ["suicide_item"],
             "subscales": {}},
        )  # fmt: skip
        self.assertEqual(body["version"], "2026.1")
        self.assertEqual(body["band_label"], "中度抑郁")
        english = self.score("phq9", [0] * 9, HTTP_ACCEPT_LANGUAGE="en").json()
        self.assertEqual(english["band_label"], "Minimal or none")
        self.assertEqual(self.score("who5", [5, 5, 5, 5, 4]).json()["total"], 96)

    def test_bad_answers_are_422_naming_the_item(self):
        short = self.score("phq9", [0] * 8)
        self.assertEqual(short.status_code, 422)
        self.assertIn("9", short.json()["detail"][0]["msg"])
        outside = self.score("phq9", [0, 0, 0, 4, 0, 0, 0, 0, 0]).json()["detail"]
        self.assertEqual(outside[0]["loc"], ["body", "answers", 3])
        self.assertEqual(outside[0]["item"], "4")
        self.assertIn("4", outside[0]["msg"])
        for bad in (1.5, "1", True, None, [1]):
            with self.subTest(bad=bad):
                response = self.score("phq9", [0] * 8 + [bad])
                self.assertEqual(response.status_code, 422)
                detail = response.json()["detail"][0]
                self.assertEqual((detail["item"], detail["type"]), ("9", "not_integer"))
        not_a_list = self.client.post(
            "/api/v1/scales/phq9/score", '{"answers": 3}', content_type="application/json"
        )
        self.assertEqual(not_a_list.status_code, 422)

    def test_an_unknown_scale_is_404(self):
        self.assertEqual(self.score("isi", [0] * 7).status_code, 404)

    def test_each_scale_is_a_fhir_questionnaire(self):
        response = self.client.get("/api/v1/scales/phq9/fhir", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["resourceType"], "Questionnaire")
        self.assertEqual(body["code"][0]["code"], "44249-1")
        self.assertEqual(self.client.get("/api/v1/scales/isi/fhir").status_code, 404)
