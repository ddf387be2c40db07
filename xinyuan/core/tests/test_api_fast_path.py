"""A request of an API client with a token skips the browser's middleware (session, CSRF
cookie, messages …); every other request still goes through all of it."""

from django.test import Client, TestCase

from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.core.testing import PersonaMixin


class ApiFastPathTests(PersonaMixin, TestCase):
    def setUp(self):
        _token, self.token = do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="switch"
        )

    def test_a_browser_post_without_its_csrf_token_is_still_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.p.counsellor)
        self.assertEqual(client.post("/contacts/start/", {"channel": "phone"}).status_code, 403)
        api = client.post("/api/v1/contacts", {"channel": "phone"}, content_type="application/json")
        self.assertEqual(api.status_code, 403, "the session works for the API only with CSRF")

    def test_a_bearer_header_outside_the_api_changes_nothing(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.p.counsellor)
        response = client.post(
            "/contacts/start/",
            {"channel": "phone"},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.assertEqual(response.status_code, 403, "a page still checks CSRF")

    def test_a_token_request_is_its_tokens_user_whatever_session_it_carries(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.p.supervisor)  # a session cookie of someone else
        response = client.post(
            "/api/v1/contacts",
            {"channel": "phone"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["counsellor_alias"], "07号", "the token's counsellor")
        self.assertNotIn("Set-Cookie", response.headers, "no session is touched")

    def test_a_wrong_token_is_refused_and_never_falls_back_to_a_session(self):
        client = Client()
        client.force_login(self.p.counsellor)
        response = client.get(
            "/api/v1/contacts", headers={"Authorization": "Bearer xy_not-a-valid-token"}
        )
        self.assertEqual(response.status_code, 401)
