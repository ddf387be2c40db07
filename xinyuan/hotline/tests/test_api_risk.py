"""POST /api/v1/risk/evaluate (HL-04): bearer token or session; 422 names the field."""

from __future__ import annotations

import json

from django.test import Client, TestCase

from xinyuan.accounts.actions import do_issue_api_token, do_revoke_api_token
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.models import RiskAssessment
from xinyuan.hotline.rules import REASON_TEXT, RISK_RULE_VERSION

URL = "/api/v1/risk/evaluate"


class RiskEvaluateApiTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.token, cls.clear = do_issue_api_token(
            actor=cls.p.counsellor, user=cls.p.counsellor, name="t"
        )

    def post(self, payload, *, client: Client | None = None, token: str | None = None):
        client = client or Client()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.post(
            URL, data=json.dumps(payload), content_type="application/json", headers=headers
        )

    def post_with_token(self, payload):
        return self.post(payload, token=self.clear)

    def assertFieldError(self, response, field_name: str, error_type: str | None = None):
        self.assertEqual(response.status_code, 422, response.content)
        body = response.json()
        self.assertEqual(set(body), {"detail"})
        self.assertIsInstance(body["detail"], list)
        self.assertGreaterEqual(len(body["detail"]), 1)
        for error in body["detail"]:
            self.assertIn("loc", error)
            self.assertIn("msg", error)
            self.assertIn("type", error)
            self.assertIsInstance(error["loc"], list)
            self.assertEqual(error["loc"][0], "body")
        errors = [error for error in body["detail"] if error["loc"][-1] == field_name]
        self.assertTrue(errors, body)
        if error_type is not None:
            self.assertEqual(errors[0]["type"], error_type)
        self.assertIn(field_name, response.content.decode())

    # --- 200 ------------------------------------------------------------------------------

    def test_a_bearer_token_gets_the_level_the_rule_version_and_the_reasons(self):
        response = self.post_with_token(
            {
                "ideation": True,
                "ideation_intensity": 8,
                "hopelessness": 9,
                "has_plan": True,
                "plan_timing": "within_72h",
                "method_lethality": "high",
                "means_at_hand": True,
                "act_in_progress": False,
                "last_attempt": "within_year",
                "relative_or_friend_suicide": True,
            }
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(set(body), {"level", "rule_version", "reasons", "reason_codes"})
        self.assertEqual(body["level"], "imminent")
        self.assertEqual(body["rule_version"], RISK_RULE_VERSION)
        self.assertIn("plan_within_72h_means", body["reason_codes"])
        self.assertEqual(len(body["reasons"]), len(body["reason_codes"]))
        self.assertEqual(body["reasons"], [str(REASON_TEXT[c]) for c in body["reason_codes"]])

    def test_only_ideation_is_required_and_no_factor_gives_low(self):
        response = self.post_with_token({"ideation": False})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["level"], "low")
        self.assertEqual(body["reason_codes"], ["no_factor"])
        self.assertEqual(len(body["reasons"]), 1)
        self.assertEqual(body["rule_version"], RISK_RULE_VERSION)

    def test_a_logged_in_session_may_evaluate(self):
        response = self.post(
            {"ideation": True, "ideation_intensity": 7, "hopelessness": 7},
            client=client_for(self.p.counsellor),
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["level"], "high")
        self.assertIn("ideation_strong_hopeless", body["reason_codes"])
        self.assertEqual(body["rule_version"], RISK_RULE_VERSION)

    def test_an_act_in_progress_is_imminent_through_the_api(self):
        response = self.post_with_token({"ideation": False, "act_in_progress": True})
        self.assertEqual(response.json()["level"], "imminent")
        self.assertEqual(response.json()["reason_codes"], ["act_in_progress"])

    def test_a_plan_timing_counts_without_has_plan_through_the_api(self):
        response = self.post_with_token(
            {"ideation": False, "plan_timing": "within_72h", "method_lethality": "unknown"}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["level"], "imminent")
        self.assertEqual(body["reason_codes"], ["plan_within_72h_lethal", "plan_within_72h"])

    def test_a_lethality_counts_as_a_plan_without_has_plan_or_timing_through_the_api(self):
        response = self.post_with_token(
            {"ideation": False, "method_lethality": "high", "means_at_hand": True}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["level"], "high")
        self.assertEqual(
            body["reason_codes"], ["plan_lethal_means", "plan_other", "means_no_ideation"]
        )

    def test_an_omitted_lethality_is_not_assessed_and_counts_as_lethal_within_a_plan(self):
        # method_lethality defaults to "none" (not assessed): within a plan it counts like
        # "unknown"; on its own it is no plan.
        for payload, level, codes in (
            (
                {"ideation": False, "plan_timing": "within_72h"},
                "imminent",
                ["plan_within_72h_lethal", "plan_within_72h"],
            ),
            (
                {"ideation": False, "has_plan": True, "means_at_hand": True},
                "high",
                ["plan_lethal_means", "plan_other", "means_no_ideation"],
            ),
            (
                {"ideation": False, "plan_timing": "within_72h", "method_lethality": "medium"},
                "high",
                ["plan_within_72h"],
            ),
            (
                {"ideation": False, "method_lethality": "none", "means_at_hand": True},
                "low",
                ["means_no_ideation"],
            ),
        ):
            with self.subTest(payload=payload):
                response = self.post_with_token(payload)
                self.assertEqual(response.status_code, 200, response.content)
                body = response.json()
                self.assertEqual((body["level"], body["reason_codes"]), (level, codes))

    def test_a_past_attempt_without_ideation_is_named_not_reported_as_no_factor(self):
        response = self.post_with_token({"ideation": False, "last_attempt": "longer_ago"})
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["level"], "low")
        self.assertEqual(body["reason_codes"], ["past_attempt"])
        self.assertEqual(body["reasons"], [str(REASON_TEXT["past_attempt"])])

    def test_evaluation_stores_nothing(self):
        self.post_with_token({"ideation": True, "ideation_intensity": 5})
        self.assertEqual(RiskAssessment.objects.count(), 0)

    # --- 422 ------------------------------------------------------------------------------

    def test_missing_ideation_is_refused_naming_the_field(self):
        self.assertFieldError(self.post_with_token({"hopelessness": 3}), "ideation", "missing")

    def test_intensity_above_10_is_refused_naming_the_field(self):
        self.assertFieldError(
            self.post_with_token({"ideation": True, "ideation_intensity": 11}),
            "ideation_intensity",
            "less_than_equal",
        )

    def test_negative_hopelessness_is_refused_naming_the_field(self):
        self.assertFieldError(
            self.post_with_token({"ideation": False, "hopelessness": -1}),
            "hopelessness",
            "greater_than_equal",
        )

    def test_an_unknown_plan_timing_is_refused_naming_the_field(self):
        self.assertFieldError(
            self.post_with_token({"ideation": True, "has_plan": True, "plan_timing": "soon"}),
            "plan_timing",
            "literal_error",
        )

    def test_unknown_lethality_and_attempt_choices_are_refused_naming_the_field(self):
        self.assertFieldError(
            self.post_with_token({"ideation": True, "method_lethality": "extreme"}),
            "method_lethality",
        )
        self.assertFieldError(
            self.post_with_token({"ideation": True, "last_attempt": "yesterday"}),
            "last_attempt",
        )

    def test_a_boolean_factor_that_is_not_a_boolean_is_refused_naming_the_field(self):
        for name in (
            "ideation",
            "has_plan",
            "means_at_hand",
            "act_in_progress",
            "relative_or_friend_suicide",
        ):
            with self.subTest(name):
                for sloppy in ("maybe", "yes", 1):
                    payload = {"ideation": False, name: sloppy}
                    self.assertFieldError(self.post_with_token(payload), name, "bool_type")
        self.assertFieldError(self.post_with_token({"ideation": None}), "ideation", "bool_type")

    def test_an_extra_unknown_field_is_refused_naming_the_field(self):
        self.assertFieldError(
            self.post_with_token({"ideation": True, "mood": "sad"}),
            "mood",
            "extra_forbidden",
        )

    def test_intensity_without_ideation_is_refused_naming_the_field(self):
        response = self.post_with_token({"ideation": False, "ideation_intensity": 5})
        self.assertFieldError(response, "ideation_intensity", "invalid")
        self.assertEqual(response.json()["detail"][0]["loc"], ["body", "ideation_intensity"])

    def test_invalid_input_is_refused_for_a_session_too(self):
        self.assertFieldError(
            self.post(
                {"ideation": True, "ideation_intensity": 11}, client=client_for(self.p.counsellor)
            ),
            "ideation_intensity",
        )

    # --- 401 ------------------------------------------------------------------------------

    def test_without_authentication_the_request_is_refused(self):
        response = self.post({"ideation": False})
        self.assertEqual(response.status_code, 401)

    def test_an_unknown_token_is_refused(self):
        response = self.post({"ideation": False}, token="xy_not-a-real-token")
        self.assertEqual(response.status_code, 401)

    def test_a_revoked_token_is_refused(self):
        token, clear = do_issue_api_token(actor=self.p.counsellor, user=self.p.counsellor, name="t")
        self.assertEqual(self.post({"ideation": False}, token=clear).status_code, 200)
        do_revoke_api_token(actor=self.p.counsellor, token=token)
        self.assertEqual(self.post({"ideation": False}, token=clear).status_code, 401)

    def test_unauthenticated_invalid_input_is_refused_before_validation(self):
        response = self.post({"ideation_intensity": 11})
        self.assertEqual(response.status_code, 401)
