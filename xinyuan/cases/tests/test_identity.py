"""Caller numbers: one caller, one hash, whatever keyboard or input method typed the number."""

from django.test import TestCase

from xinyuan.cases import rules
from xinyuan.cases.actions import do_link_identity
from xinyuan.core.testing import PersonaMixin

HALF = "13800138000"


class NormaliseIdentityTests(TestCase):
    def test_full_width_and_other_compatibility_forms_become_the_plain_number(self):
        cases = [
            ("13800138000", HALF),
            ("１３８００１３８０００", HALF),  # full-width digits from a Chinese IME
            ("＋８６ １３８ ００１３ ８０００", HALF),  # full-width plus, ideographic space
            ("+86\u3000138\u30000013\u30008000", HALF),  # ideographic spaces
            ("（０１０）１２３４－５６７８", "01012345678"),  # full-width brackets and hyphen
            ("\U0001d7cf\U0001d7d1\U0001d7d6", "138"),  # mathematical bold digits
            ("0086 138-0013-8000", HALF),
        ]
        for raw, expected in cases:
            with self.subTest(raw=raw):
                self.assertEqual(rules.normalise_identity("phone", raw), expected)

    def test_chat_ids_are_compared_in_their_compatibility_form(self):
        self.assertEqual(rules.normalise_identity("chat", " ＷｅＣｈａｔ_１ "), "wechat_1")

    def test_digits_of_other_scripts_are_not_a_phone_number(self):
        arabic_indic = "\u0661\u0663\u0668\u0660\u0660\u0661\u0663\u0668\u0660\u0660\u0660"
        self.assertFalse(rules.is_valid_phone(rules.normalise_identity("phone", arabic_indic)))
        self.assertTrue(rules.is_valid_phone(rules.normalise_identity("phone", "１３８００")))


class FullWidthCallerTests(PersonaMixin, TestCase):
    def test_a_full_width_number_finds_the_same_person(self):
        half, _created = do_link_identity(
            actor=self.p.counsellor, organisation=self.p.org, kind="phone", value=HALF
        )
        full, created = do_link_identity(
            actor=self.p.counsellor,
            organisation=self.p.org,
            kind="phone",
            value="＋８６\u3000１３８００１３８０００",
        )
        self.assertFalse(created)
        self.assertEqual(full.person_id, half.person_id)
        self.assertEqual(full.pk, half.pk)

    def test_the_break_glass_lookup_and_a_call_back_number_use_the_same_form(self):
        from xinyuan.assessments.actions import do_request_callback, do_submit
        from xinyuan.core import crypto
        from xinyuan.hotline.selectors import break_glass_candidates
        from xinyuan.hotline.tests.factories import start_contact

        foreign = start_contact(self.p.outsider, caller_number=HALF)
        found = break_glass_candidates(self.p.supervisor, caller_number="１３８ ００１３ ８０００")
        self.assertEqual([c.pk for c in found], [foreign.pk])

        result, _new = do_submit(
            scale_code="phq9", answers=[1] * 8 + [0], organisation=self.p.org,
            submission_key="fw", language="zh-hans",
        )  # fmt: skip
        task = do_request_callback(
            assessment=result, phone="１３８００１３８０００", preferred_time=""
        )
        self.assertEqual(task.phone_hash, crypto.keyed_hash("phone", HALF))
        self.assertEqual(crypto.decrypt(task.phone_encrypted), HALF)
