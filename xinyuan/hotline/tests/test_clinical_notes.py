"""Field-level hiding: free-text clinical notes are read by those who work with the caller; a
director sees the coded record and reads the words only after stating why (audited)."""

import json

from django.test import TestCase

from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact

SECRET = "丈夫不知道我在吃药"
PLAN_SECRET = "给姐姐打电话"


class ClinicalNotesTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor)
        self.contact = actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=self.contact.version,
            changes={"counsellor_notes": SECRET, "problems": "失眠三个月"},
        )
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=self.contact, data={"people_to_call": PLAN_SECRET}
        )
        self.url = f"/contacts/{self.contact.public_id}/"

    def page(self, user, stage=5):
        response = client_for(user).get(self.url, {"stage": stage})
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_counsellor_and_supervisor_read_the_notes(self):
        for user in (self.p.counsellor, self.p.supervisor):
            html = self.page(user)
            self.assertIn(SECRET, html)
            self.assertIn(PLAN_SECRET, html)
            self.assertNotIn('data-testid="notes-hidden"', html)

    def test_the_director_sees_the_coded_record_but_not_the_words(self):
        html = self.page(self.p.director)
        self.assertIn('data-testid="notes-hidden"', html)
        self.assertNotIn(SECRET, html, "not in the form nor in the change history")
        self.assertNotIn(PLAN_SECRET, html)
        self.assertNotIn("失眠三个月", self.page(self.p.director, stage=2))
        self.assertIn('data-risk="imminent"', html, "the coded risk level stays")

    def test_a_reveal_needs_a_reason_and_is_audited(self):
        director = client_for(self.p.director)
        reveal = f"{self.url}notes/reveal/"
        response = director.post(reveal, {"reason": "投诉", "stage": "5"}, follow=True)
        self.assertNotIn(SECRET, response.content.decode())
        self.assertFalse(AuditEvent.objects.filter(action="reveal_notes").exists())

        response = director.post(reveal, {"reason": "处理家属投诉，需核实记录", "stage": "5"})
        self.assertRedirects(response, f"{self.url}?stage=5", fetch_redirect_response=False)
        event = AuditEvent.objects.get(action="reveal_notes")
        self.assertEqual(event.actor, self.p.director)
        self.assertEqual(event.target_id, self.contact.public_id)
        self.assertEqual(event.reason, "处理家属投诉，需核实记录")
        html = director.get(self.url, {"stage": 5}).content.decode()
        self.assertIn(SECRET, html)
        self.assertIn('data-testid="notes-revealed"', html)

    def test_a_reveal_lasts_thirty_minutes_for_that_director_only(self):
        from datetime import timedelta
        from unittest import mock

        from django.utils import timezone

        from xinyuan.accounts.models import Role
        from xinyuan.core.testing import make_user

        client_for(self.p.director).post(
            f"{self.url}notes/reveal/", {"reason": "处理家属投诉，需核实记录"}
        )
        self.assertIn(SECRET, self.page(self.p.director), "in any of their sessions")
        deputy = make_user("deputy_director", self.p.org, Role.DIRECTOR)
        self.assertNotIn(SECRET, self.page(deputy), "another director states their own reason")
        later = timezone.now() + timedelta(minutes=31)
        with mock.patch("django.utils.timezone.now", return_value=later):
            self.assertNotIn(SECRET, self.page(self.p.director), "the reveal has expired")

    def test_the_api_offers_the_same_audited_reveal(self):
        _t, token = do_issue_api_token(actor=self.p.director, user=self.p.director, name="t")
        auth = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/contacts/{self.contact.public_id}"
        short = self.client.post(
            f"{url}/notes/reveal", {"reason": "投诉"}, content_type="application/json", headers=auth
        )
        self.assertEqual(short.status_code, 422)
        self.assertFalse(AuditEvent.objects.filter(action="reveal_notes").exists())
        revealed = self.client.post(
            f"{url}/notes/reveal",
            {"reason": "处理家属投诉，需核实记录"},
            content_type="application/json",
            headers=auth,
        )
        self.assertEqual(revealed.status_code, 200, revealed.content)
        self.assertEqual(revealed.json()["counsellor_notes"], SECRET)
        self.assertFalse(revealed.json()["notes_hidden"])
        event = AuditEvent.objects.get(action="reveal_notes")
        self.assertEqual((event.actor, event.target_id), (self.p.director, self.contact.public_id))
        self.assertEqual(self.client.get(url, headers=auth).json()["counsellor_notes"], SECRET)
        self.assertIn(SECRET, self.page(self.p.director), "the page honours the same reveal")

    def test_roles_without_the_reveal_permission_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.admin):
            response = client_for(user).post(
                f"{self.url}notes/reveal/", {"reason": "处理家属投诉，需核实记录"}
            )
            self.assertEqual(response.status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action="reveal_notes").exists())

    def test_the_api_gives_the_director_null_notes(self):
        def read(user):
            _t, token = do_issue_api_token(actor=user, user=user, name="t")
            response = self.client.get(
                f"/api/v1/contacts/{self.contact.public_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
            self.assertEqual(response.status_code, 200)
            return response.json()

        director = read(self.p.director)
        self.assertIsNone(director["counsellor_notes"])
        self.assertIsNone(director["problems"])
        self.assertTrue(director["notes_hidden"])
        self.assertEqual(director["risk_level"], "imminent", "coded data stays")
        self.assertNotIn(SECRET, json.dumps(director, ensure_ascii=False))
        counsellor = read(self.p.counsellor)
        self.assertEqual(counsellor["counsellor_notes"], SECRET)
        self.assertFalse(counsellor["notes_hidden"])

    def test_a_search_cannot_reveal_the_words(self):
        def found(user):
            response = client_for(user).get("/contacts/", {"q": "吃药"})
            return str(self.contact.public_id) in response.content.decode()

        self.assertTrue(found(self.p.supervisor))
        self.assertFalse(found(self.p.director))

    def test_the_follow_up_page_hides_the_plan_and_notes_from_the_director(self):
        follow_up = do_book_follow_up(
            actor=self.p.counsellor, contact=self.contact, consent_given=True
        )
        url = f"/cases/follow-ups/{follow_up.public_id}/"
        director = client_for(self.p.director).get(url).content.decode()
        self.assertNotIn(PLAN_SECRET, director)
        self.assertIn('data-testid="notes-hidden"', director)
        self.assertIn(PLAN_SECRET, client_for(self.p.supervisor).get(url).content.decode())


class ContactPageRegressionTests(PersonaMixin, TestCase):
    """Found by the browser walk-through of stop 7."""

    def test_a_closed_contact_and_the_audit_list_show_its_history(self):
        contact = high_risk_contact(self.p.counsellor)
        actions.do_save_safety_plan(
            actor=self.p.counsellor,
            contact=contact,
            data={**FULL_PLAN, "people_to_call": PLAN_SECRET},
        )
        do_book_follow_up(actor=self.p.counsellor, contact=contact, consent_given=True)
        contact.refresh_from_db()
        actions.do_close_contact(actor=self.p.counsellor, contact=contact, version=contact.version)
        page = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/")
        self.assertEqual(page.status_code, 200, "a close event ([old, new] status) is shown")
        self.assertContains(page, "→")
        self.assertContains(page, "07号", msg_prefix="staff by work name")
        self.assertNotContains(page, self.p.counsellor.username + "<", msg_prefix="not login")
        self.assertEqual(client_for(self.p.auditor).get("/audit/").status_code, 200)
        export = client_for(self.p.auditor).get("/audit/", {"export": "csv"})
        self.assertEqual(export.status_code, 200)

    def test_no_form_of_the_contact_page_can_send_notes_in_the_address(self):
        contact = high_risk_contact(self.p.counsellor)
        actions.do_save_safety_plan(
            actor=self.p.counsellor, contact=contact, data={"people_to_call": PLAN_SECRET}
        )
        html = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/").content
        import re

        forms = re.findall(rb"<form[^>]*>", html)
        self.assertTrue(forms)
        for tag in forms:
            if b"hx-post" in tag:
                self.assertIn(b'method="post"', tag, tag)
                if b"hx-trigger" in tag:
                    self.assertIn(b"submit", tag, "Enter or the Save button stay with htmx")

    def test_a_notes_reveal_lists_the_fields_by_their_labels(self):
        contact = high_risk_contact(self.p.counsellor)
        director = client_for(self.p.director)
        director.post(
            f"/contacts/{contact.public_id}/notes/reveal/", {"reason": "处理家属投诉，需核实记录"}
        )
        page = director.get(f"/contacts/{contact.public_id}/").content.decode()
        history = page[page.index('data-testid="change-history"') :]
        self.assertNotIn("counsellor_notes", history, "the change history names fields by label")
        short = director.post(f"/contacts/{contact.public_id}/notes/reveal/", {"reason": "太短"})
        self.assertEqual(short.status_code, 302)
