"""The keys that seal a contact's words are kept per process once committed: a contact's later
writes cost no key lookup, and a first write that rolls back leaves nothing behind."""

from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from xinyuan.audit import shred
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import ProductionTransactionTestCase, make_personas
from xinyuan.hotline import actions
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import start_contact


@override_settings(AUDIT_CACHE_SEALING_KEYS=True)
class SealingKeyCacheTests(ProductionTransactionTestCase):
    def setUp(self):
        shred._SEALING_KEYS.clear()
        self.p = make_personas()
        self.contact = start_contact(self.p.counsellor)

    def tearDown(self):
        shred._SEALING_KEYS.clear()

    def write(self, text: str):
        contact = Contact.objects.get(pk=self.contact.pk)
        with CaptureQueriesContext(connection) as queries:
            actions.do_update_contact(
                actor=self.p.counsellor,
                contact=contact,
                version=contact.version,
                changes={"problems": text},
            )
        return [q["sql"] for q in queries if "audit_subjectkey" in q["sql"]]

    def test_only_the_first_write_looks_the_key_up_and_the_words_still_open(self):
        self.assertTrue(self.write("失眠三个月"))
        self.assertEqual(self.write("失眠四个月"), [], "the committed key is kept")
        latest = AuditEvent.objects.filter(action="update").order_by("-id").first()
        self.assertEqual(latest.changes["problems"], ["失眠三个月", "失眠四个月"])

    def test_a_first_write_that_rolls_back_keeps_no_key(self):
        with transaction.atomic():
            self.write("失眠三个月")
            transaction.set_rollback(True)
        self.assertEqual(shred._SEALING_KEYS, {})
        self.assertTrue(self.write("失眠三个月"), "looked up (and created) again")
        latest = AuditEvent.objects.filter(action="update").order_by("-id").first()
        self.assertEqual(latest.changes["problems"], ["", "失眠三个月"])

    def test_shredding_forgets_the_key(self):
        self.write("失眠三个月")
        shred.shred([self.contact.pk])
        self.assertNotIn(f"contact:{self.contact.pk}", shred._SEALING_KEYS)
