"""Actions run outside any test transaction, as they do under gunicorn: every audited write must
open its own transaction (audit.record refuses to run outside one)."""

from django.test import TransactionTestCase

from xinyuan.audit.models import AuditEvent
from xinyuan.audit.triggers import lifted
from xinyuan.core.testing import client_for, make_personas
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import start_contact


class OutsideATestTransactionTests(TransactionTestCase):
    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def test_closing_a_contact_through_the_api_is_one_audited_transaction(self):
        p = make_personas()
        contact = start_contact(p.counsellor)
        response = client_for(p.counsellor).patch(
            f"/api/v1/contacts/{contact.public_id}",
            data={"version": contact.version, "status": "closed"},
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Contact.objects.get(pk=contact.pk).status, "closed")
        self.assertTrue(AuditEvent.objects.filter(action="close").exists())
