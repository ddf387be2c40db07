"""The API's description (OpenAPI) and docs page: for a token holder as for a signed-in user."""

from django.test import Client, TestCase

from xinyuan.accounts.actions import do_issue_api_token, do_revoke_api_token
from xinyuan.core.testing import PersonaMixin, client_for

SCHEMA = "/api/v1/openapi.json"
DOCS = "/api/v1/docs"


class ApiDocsTests(PersonaMixin, TestCase):
    def setUp(self):
        self.token, self.clear = do_issue_api_token(
            actor=self.p.admin, user=self.p.counsellor, name="telephone switch"
        )

    def bearer(self, token: str) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def test_a_token_holder_reads_the_schema_and_the_docs(self):
        schema = Client().get(SCHEMA, **self.bearer(self.clear))
        self.assertEqual(schema.status_code, 200)
        self.assertIn("/api/v1/contacts", schema.json()["paths"])
        docs = Client().get(DOCS, **self.bearer(self.clear))
        self.assertEqual(docs.status_code, 200)
        self.assertContains(docs, "openapi.json")

    def test_a_signed_in_user_still_reads_them(self):
        self.assertEqual(client_for(self.p.counsellor).get(SCHEMA).status_code, 200)
        self.assertEqual(client_for(self.p.counsellor).get(DOCS).status_code, 200)

    def test_an_anonymous_visitor_is_sent_to_sign_in(self):
        for url in (SCHEMA, DOCS):
            with self.subTest(url=url):
                response = Client().get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/accounts/login/", response["Location"])

    def test_a_wrong_or_revoked_token_is_refused(self):
        wrong = Client().get(SCHEMA, **self.bearer("xy_not-a-token"))
        self.assertEqual(wrong.status_code, 401)
        self.assertNotIn("paths", wrong.content.decode())
        do_revoke_api_token(actor=self.p.admin, token=self.token)
        for url in (SCHEMA, DOCS):
            with self.subTest(url=url):
                self.assertEqual(Client().get(url, **self.bearer(self.clear)).status_code, 401)
