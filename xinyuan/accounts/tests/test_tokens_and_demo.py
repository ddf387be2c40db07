import io
import json
from datetime import timedelta

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from xinyuan.accounts.actions import do_issue_api_token, do_revoke_api_token
from xinyuan.accounts.models import ApiToken, TokenScope, User
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import PersonaMixin, client_for


class CreateApiTokenCommandTests(PersonaMixin, TestCase):
    def test_the_token_is_printed_alone_on_the_last_line_and_works(self):
        out = io.StringIO()
        call_command("create_api_token", "counsellor", stdout=out)
        token = out.getvalue().strip().splitlines()[-1]
        self.assertRegex(token, r"^xy_[A-Za-z0-9_\-]{40,}$")
        stored = ApiToken.objects.get()
        self.assertNotEqual(stored.key_hash, token, "only the hash is stored")
        response = self.client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 200)

    def test_the_switchs_token_is_issued_with_its_scope(self):
        out = io.StringIO()
        call_command("create_api_token", "counsellor", "--scope", "call_events", stdout=out)
        self.assertIn("(call_events)", out.getvalue())
        self.assertEqual(ApiToken.objects.get().scope, TokenScope.CALL_EVENTS)


class TokenLifecycleTests(PersonaMixin, TestCase):
    def get(self, token):
        return self.client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})

    def test_a_revoked_token_is_refused(self):
        token, clear = do_issue_api_token(actor=self.p.admin, user=self.p.counsellor, name="x")
        self.assertEqual(self.get(clear).status_code, 200)
        do_revoke_api_token(actor=self.p.admin, token=token)
        self.assertEqual(self.get(clear).status_code, 401)

    def test_an_expired_token_is_refused(self):
        token, clear = do_issue_api_token(actor=self.p.admin, user=self.p.counsellor, name="x")
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(1))
        self.assertEqual(self.get(clear).status_code, 401)

    def test_an_admin_issues_and_revokes_tokens_in_the_interface(self):
        client = client_for(self.p.admin)
        response = client.post(
            "/accounts/tokens/",
            {
                "user": str(self.p.counsellor.public_id),
                "name": "交换机",
                "days": 30,
                "scope": "all",
            },
        )
        self.assertContains(response, 'data-testid="new-token"')
        token = ApiToken.objects.get()
        client.post(f"/accounts/tokens/{token.public_id}/revoke/")
        token.refresh_from_db()
        self.assertIsNotNone(token.revoked_at)

    def test_an_admin_issues_the_switchs_token_with_its_scope_and_the_audit_says_so(self):
        client = client_for(self.p.admin)
        page = client.get("/accounts/tokens/", headers={"Accept-Language": "en"})
        self.assertContains(page, "电话交换机：仅通话事件")
        response = client.post(
            "/accounts/tokens/",
            {
                "user": str(self.p.counsellor.public_id),
                "name": "PBX",
                "days": 365,
                "scope": TokenScope.CALL_EVENTS,
            },
            headers={"Accept-Language": "en"},
        )
        self.assertEqual(response.status_code, 200)
        clear = response.context["new_token"]
        token = ApiToken.objects.get()
        self.assertEqual((token.scope, token.user), (TokenScope.CALL_EVENTS, self.p.counsellor))
        self.assertContains(
            response,
            '<td data-testid="token-scope">电话交换机：仅通话事件</td>',
            html=True,
        )
        event = AuditEvent.objects.get(target_id=token.public_id, action="create")
        self.assertEqual(event.actor, self.p.admin)
        self.assertEqual(event.changes["scope"], "call_events")
        self.assertEqual(event.changes["user"], self.p.counsellor.username)
        # It posts call events and nothing else.
        bearer = {"Authorization": f"Bearer {clear}"}
        self.assertEqual(self.client.get("/api/v1/contacts", headers=bearer).status_code, 403)
        posted = self.client.post(
            "/api/v1/call-events",
            json.dumps(
                {"call_ref": "pbx-1", "kind": "offered", "occurred_at": timezone.now().isoformat()}
            ),
            content_type="application/json",
            headers=bearer,
        )
        self.assertEqual(posted.status_code, 201, posted.content)

    def test_an_unknown_scope_is_refused(self):
        response = client_for(self.p.admin).post(
            "/accounts/tokens/",
            {"user": str(self.p.counsellor.public_id), "name": "x", "days": 30, "scope": "root"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(ApiToken.objects.exists())

    def test_an_admin_cannot_issue_for_another_organisation(self):
        response = client_for(self.p.admin).post(
            "/accounts/tokens/",
            {"user": str(self.p.outsider.public_id), "name": "x", "days": 30, "scope": "all"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertFalse(ApiToken.objects.exists())

    def test_a_counsellor_cannot_manage_tokens(self):
        self.assertEqual(client_for(self.p.counsellor).get("/accounts/tokens/").status_code, 403)


class DemoTests(TestCase):
    def test_the_demo_loads_idempotently(self):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())
        names = set(User.objects.values_list("username", flat=True))
        self.assertTrue(
            {"counsellor1", "supervisor1", "director1", "auditor1", "counsellor2"} <= names
        )
        self.assertEqual(
            User.objects.get(username="counsellor1").organisation.name, "示范心理援助热线"
        )
        self.assertNotEqual(
            User.objects.get(username="counsellor2").organisation,
            User.objects.get(username="counsellor1").organisation,
        )
        self.assertTrue(self.client.login(username="supervisor1", password="xinyuan-demo-2026"))
        officer = User.objects.get(username="officer1")
        self.assertIsNone(officer.organisation, "a health-commission officer belongs to no centre")
        self.assertEqual(
            set(officer.region.organisations.values_list("name", flat=True)),
            {"示范心理援助热线", "第二心理援助热线"},
        )


class LoginTests(PersonaMixin, TestCase):
    def test_logging_in_with_the_form_reaches_the_workstation(self):
        response = self.client.post(
            "/accounts/login/",
            {"username": "counsellor", "password": "correct-horse-battery-7"},
            follow=True,
        )
        self.assertRedirects(response, "/workstation/")

    def test_a_wrong_password_gets_a_message(self):
        response = self.client.post("/accounts/login/", {"username": "counsellor", "password": "x"})
        self.assertContains(response, "alert-danger")


class AdminSeparationTests(PersonaMixin, TestCase):
    def test_an_admin_cannot_issue_a_token_for_a_director(self):
        from xinyuan.core.errors import PermissionDeniedError

        with self.assertRaises(PermissionDeniedError):
            do_issue_api_token(actor=self.p.admin, user=self.p.director, name="x")
