"""A field-encryption key removed before ``rotate_keys`` ran (issue 9): each place that reads an
encrypted value says so clearly, in the user's language, and logs it for the operator, instead
of a server error."""

import json

from cryptography.fernet import Fernet
from django.test import Client, TestCase

from xinyuan.accounts import totp
from xinyuan.accounts.actions import do_confirm_totp_enrolment
from xinyuan.accounts.models import User
from xinyuan.assessments.models import HelpTask, SelfAssessment
from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import Person
from xinyuan.core.testing import PASSWORD, PersonaMixin, client_for
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.tests.factories import start_contact

# The values below are encrypted with the development key derived from SECRET_KEY; the
# "operator" then configures only a new key, without keeping the old one.
NEW_KEY_ONLY = {"FIELD_ENCRYPTION_KEYS": [Fernet.generate_key().decode()]}
MESSAGE_ZH = "XINYUAN_FIELD_ENCRYPTION_KEYS"


class KeyUnavailableTests(PersonaMixin, TestCase):
    def assert_explained(self, response, status=503):
        self.assertEqual(response.status_code, status, response.content[:300])
        text = response.content.decode()
        self.assertIn("不再配置", text)
        self.assertIn("XINYUAN_FIELD_ENCRYPTION_KEYS", text)
        self.assertIn("rotate_keys", text)

    def test_two_factor_sign_in(self):
        user = self.p.supervisor
        secret = totp.new_secret()
        do_confirm_totp_enrolment(
            actor=user, secret=secret, code=totp.code_at(secret, totp.current_step())
        )
        User.objects.filter(pk=user.pk).update(totp_last_step=-1)
        self.client.post("/accounts/login/", {"username": "supervisor", "password": PASSWORD})
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR") as log:
            response = self.client.post(
                "/accounts/login/2fa/", {"code": totp.code_at(secret, totp.current_step())}
            )
        self.assert_explained(response)
        self.assertIn("/accounts/login/2fa/", log.output[0])
        self.assertEqual(self.client.get("/workstation/").status_code, 302, "not signed in")

    def test_revealing_a_callers_number(self):
        start_contact(self.p.counsellor, caller_number="13600000000")
        person = Person.objects.get()
        url = f"/cases/persons/{person.public_id}/reveal/"
        client = client_for(self.p.supervisor)
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR"):
            page = client.post(url, {"reason": "高危随访回拨"})
            partial = client.post(url, {"reason": "高危随访回拨"}, headers={"HX-Request": "true"})
        self.assert_explained(page)
        # htmx swaps only successful answers: the message goes where the number would have.
        self.assert_explained(partial, status=200)
        self.assertIn('data-testid="key-unavailable"', partial.content.decode())
        self.assertNotIn("<html", partial.content.decode())
        self.assertFalse(AuditEvent.objects.filter(action="reveal").exists(), "nothing revealed")

    def test_the_self_test_call_back_number(self):
        visitor = Client()
        visitor.post("/s/phq9/", {"consent": "yes"})
        for number in range(1, 10):
            visitor.post(f"/s/phq9/q/{number}/", {"answer": "1"})
        result = SelfAssessment.objects.get()
        visitor.post(f"/s/result/{result.public_id}/callback/", {"phone": "13800138000"})
        task = HelpTask.objects.get()
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR"):
            response = client_for(self.p.counsellor).post(
                f"/assessments/tasks/{task.public_id}/phone/", headers={"HX-Request": "true"}
            )
        self.assert_explained(response, status=200)

    def test_the_pipl_export(self):
        contact = start_contact(self.p.counsellor, caller_number="13800138000")
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR"):
            response = client_for(self.p.director).post(
                f"/persons/{contact.person.public_id}/export/", {"reference": "申请-1"}
            )
        self.assert_explained(response)

    def test_the_api_answers_in_json(self):
        contact = start_contact(self.p.counsellor)
        contact = hotline_actions.do_update_contact(
            actor=self.p.counsellor,
            contact=contact,
            version=contact.version,
            changes={"problems": "失眠"},
        )
        client = client_for(self.p.counsellor)
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR"):
            response = client.patch(
                f"/api/v1/contacts/{contact.public_id}",
                data={"version": contact.version, "problems": "失眠，食欲差"},
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 503, response.content)
        body = json.loads(response.content)
        self.assertEqual(body["code"], "key_unavailable")
        self.assertIn("XINYUAN_FIELD_ENCRYPTION_KEYS", body["detail"])

    def test_english(self):
        start_contact(self.p.counsellor, caller_number="13600000000")
        person = Person.objects.get()
        client = client_for(self.p.supervisor)
        client.cookies["django_language"] = "en"
        with self.settings(**NEW_KEY_ONLY), self.assertLogs("xinyuan.core.crypto", "ERROR"):
            response = client.post(
                f"/cases/persons/{person.public_id}/reveal/", {"reason": "call back"}
            )
        self.assertContains(response, "no longer configured", status_code=503)
