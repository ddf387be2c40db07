"""Call reviews (评价考核): a supervisor rates a colleague's closed contact from its page; the
counsellor reads it on 我的评价 (unread marked, marked read when opened); directors see the
centre's; nobody else."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import translation

from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.hotline.tests.factories import start_contact
from xinyuan.operations import selectors
from xinyuan.operations.actions.reviews import do_mark_review_seen, do_review_contact
from xinyuan.operations.models import CallReview
from xinyuan.operations.tests.factories import closed_contact

SCORES = {"process_score": 4, "attitude_score": 5, "communication_score": 3}


class ReviewActionTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.contact = closed_contact(cls.p.counsellor)
        cls.high = closed_contact(cls.p.counsellor, high_risk=True, caller_number="13800000001")

    def refusal(self, actor, contact, **scores):
        with translation.override("zh-hans"), self.assertRaises(PermissionDenied) as caught:
            do_review_contact(actor=actor, contact=contact, **{**SCORES, **scores})
        return str(caught.exception)

    def test_a_supervisor_reviews_a_colleagues_closed_contact_once(self):
        review = do_review_contact(
            actor=self.p.supervisor, contact=self.contact, comments="开场规范，共情不足", **SCORES
        )
        self.assertEqual(review.counsellor, self.p.counsellor)
        self.assertIsNone(review.risk_assessment_score, "no assessment was needed")
        self.assertEqual(review.average, 4.0)
        event = AuditEvent.objects.get(target_id=review.public_id, action="create")
        self.assertEqual(event.changes["contact"], self.contact.number)
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            do_review_contact(actor=self.p.supervisor, contact=self.contact, **SCORES)
        self.assertEqual(caught.exception.messages, ["您已评价过本次来电。"])

    def test_refusals_say_why_in_chinese(self):
        self.assertEqual(self.refusal(self.p.counsellor_b, self.contact), "只有督导可以评价接线。")
        self.assertEqual(self.refusal(self.p.director, self.contact), "只有督导可以评价接线。")
        own = closed_contact(self.p.supervisor)
        self.assertEqual(self.refusal(self.p.supervisor, own), "不能评价自己接听的来电。")
        still_open = start_contact(self.p.counsellor)
        self.assertEqual(self.refusal(self.p.supervisor, still_open), "来电结束后才能评价。")
        self.assertEqual(
            self.refusal(self.p.outsider_supervisor, self.contact), "您无权评价这条来电记录。"
        )
        self.assertFalse(CallReview.objects.exists())

    def test_the_risk_assessment_is_rated_when_the_call_had_one(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            do_review_contact(actor=self.p.supervisor, contact=self.high, **SCORES)
        self.assertEqual(
            caught.exception.message_dict["risk_assessment_score"],
            ["本次来电做过自杀风险评估，请为评估质量打分（仅在无需评估时可选“不适用”）。"],
        )
        with self.assertRaises(ValidationError) as caught:
            do_review_contact(
                actor=self.p.supervisor, contact=self.high, **{**SCORES, "attitude_score": 6}
            )
        self.assertIn("attitude_score", caught.exception.message_dict)
        review = do_review_contact(
            actor=self.p.supervisor, contact=self.high, risk_assessment_score=2, **SCORES
        )
        self.assertEqual(review.risk_assessment_score, 2)

    def test_only_the_counsellor_marks_a_review_read(self):
        review = do_review_contact(actor=self.p.supervisor, contact=self.contact, **SCORES)
        with self.assertRaises(PermissionDenied):
            do_mark_review_seen(actor=self.p.director, review=review)
        do_mark_review_seen(actor=self.p.counsellor, review=review)
        first = review.seen_by_counsellor_at
        self.assertIsNotNone(first)
        do_mark_review_seen(actor=self.p.counsellor, review=review)
        self.assertEqual(review.seen_by_counsellor_at, first, "the first reading counts")
        self.assertEqual(
            AuditEvent.objects.filter(target_id=review.public_id, action="view").count(), 1
        )


class ReviewPageTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.contact = closed_contact(cls.p.counsellor)

    def test_the_contact_page_offers_the_review_to_a_supervisor_not_to_its_counsellor(self):
        url = f"/contacts/{self.contact.public_id}/"
        self.assertContains(client_for(self.p.supervisor).get(url), 'data-testid="review-contact"')
        self.assertNotContains(
            client_for(self.p.counsellor).get(url), 'data-testid="review-contact"'
        )
        self.assertNotContains(client_for(self.p.director).get(url), 'data-testid="review-contact"')

    def test_a_review_posted_with_a_missing_score_keeps_what_was_typed(self):
        client = client_for(self.p.supervisor)
        url = f"/operations/reviews/contact/{self.contact.public_id}/"
        refused = client.post(url, {"process_score": "4", "comments": "评估提问顺序需调整"})
        self.assertEqual(refused.status_code, 422)
        self.assertContains(refused, "评估提问顺序需调整", status_code=422)
        done = client.post(
            url,
            {
                "process_score": "4",
                "attitude_score": "5",
                "communication_score": "4",
                "risk_assessment_score": "",
                "comments": "评估提问顺序需调整",
            },
        )
        self.assertRedirects(
            done, f"/contacts/{self.contact.public_id}/", fetch_redirect_response=False
        )
        self.assertEqual(CallReview.objects.get().comments, "评估提问顺序需调整")

    def test_a_call_with_a_risk_assessment_offers_no_not_applicable_choice(self):
        client = client_for(self.p.supervisor)
        high = closed_contact(self.p.counsellor, high_risk=True, caller_number="13800000002")
        page = client.get(f"/operations/reviews/contact/{high.public_id}/")
        self.assertNotContains(page, 'name="risk_assessment_score" value=""')
        self.assertContains(page, 'name="risk_assessment_score" value="3"')
        self.assertNotContains(page, "checked")
        # Without an assessment the empty choice stays, ticked by default.
        page = client.get(f"/operations/reviews/contact/{self.contact.public_id}/")
        self.assertContains(page, 'name="risk_assessment_score" value=""')
        refused = client.post(
            f"/operations/reviews/contact/{high.public_id}/",
            {**SCORES, "risk_assessment_score": "", "comments": "x"},
        )
        self.assertEqual(refused.status_code, 422)
        self.assertFalse(CallReview.objects.exists())

    def test_wrong_role_and_outsider_are_refused(self):
        url = f"/operations/reviews/contact/{self.contact.public_id}/"
        self.assertEqual(client_for(self.p.counsellor).get(url).status_code, 403)
        self.assertEqual(client_for(self.p.director).get(url).status_code, 403)
        self.assertEqual(client_for(self.p.outsider_supervisor).get(url).status_code, 404)

    def test_my_reviews_marks_the_new_ones_and_opening_marks_them_read(self):
        review = do_review_contact(
            actor=self.p.supervisor, contact=self.contact, comments="很好", **SCORES
        )
        second = closed_contact(self.p.counsellor)
        do_review_contact(actor=self.p.supervisor, contact=second, **SCORES)
        client = client_for(self.p.counsellor)
        with self.assertNumQueries(4):  # session, user, reviews with contact and people, centre
            page = client.get("/operations/reviews/mine/")
        self.assertContains(page, 'data-testid="review-unseen"', count=2)
        self.assertContains(page, self.contact.number)
        detail = client.get(f"/operations/reviews/{review.public_id}/")
        self.assertContains(detail, "很好")
        self.assertContains(
            client.get("/operations/reviews/mine/"), 'data-testid="review-unseen"', count=1
        )
        self.assertEqual(selectors.unseen_review_count(self.p.counsellor), 1)
        # Someone else opening it does not mark it read.
        client_for(self.p.director).get(f"/operations/reviews/{review.public_id}/")
        other = CallReview.objects.get(contact=second)
        client_for(self.p.director).get(f"/operations/reviews/{other.public_id}/")
        self.assertIsNone(CallReview.objects.get(pk=other.pk).seen_by_counsellor_at)

    def test_a_colleague_and_an_outsider_cannot_open_someone_elses_review(self):
        review = do_review_contact(actor=self.p.supervisor, contact=self.contact, **SCORES)
        url = f"/operations/reviews/{review.public_id}/"
        self.assertEqual(client_for(self.p.counsellor_b).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.outsider).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.outsider_supervisor).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.auditor).get(url).status_code, 403)
        mine = client_for(self.p.counsellor_b).get("/operations/reviews/mine/")
        self.assertNotContains(mine, 'data-testid="review-row"')

    def test_directors_see_all_of_the_centre_in_a_fixed_number_of_queries(self):
        for _n in range(3):
            do_review_contact(
                actor=self.p.supervisor, contact=closed_contact(self.p.counsellor), **SCORES
            )
        client = client_for(self.p.director)
        with self.assertNumQueries(4):  # session, user, reviews with contact and people, centre
            page = client.get("/operations/reviews/")
        self.assertContains(page, 'data-testid="review-row"', count=3)
        self.assertEqual(client_for(self.p.counsellor).get("/operations/reviews/").status_code, 403)
        outsider = client_for(self.p.outsider_supervisor).get("/operations/reviews/")
        self.assertNotContains(outsider, 'data-testid="review-row"')


class ReviewTransactionTests(ProductionTransactionTestCase):
    def test_a_review_and_its_audit_event_commit_together(self):
        p = make_personas()
        contact = closed_contact(p.counsellor)
        review = do_review_contact(actor=p.supervisor, contact=contact, **SCORES)
        self.assertTrue(AuditEvent.objects.filter(target_id=review.public_id).exists())
        with self.assertRaises(ValidationError):
            do_review_contact(actor=p.supervisor, contact=contact, **SCORES)
        self.assertEqual(CallReview.objects.count(), 1)
