"""What the hot API requests cost in SQL statements (issue 9 targets: read ≤ 3, a stage update
≤ 5, a create with a caller's number ≤ 8), counted as production runs them: outside a test
transaction, with a bearer token. BEGIN and COMMIT are not counted (on PostgreSQL the driver
sends them; on SQLite Django does), every other statement is."""

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.audit import shred
from xinyuan.core.testing import ProductionTransactionTestCase, make_personas
from xinyuan.hotline.tests.factories import start_contact

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK")


@override_settings(AUDIT_CACHE_SEALING_KEYS=True)
class ApiCostTests(ProductionTransactionTestCase):
    def setUp(self):
        shred._SEALING_KEYS.clear()
        self.p = make_personas()
        _token, clear = do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="s"
        )
        self.client = Client(headers={"Authorization": f"Bearer {clear}"})
        self.contact = start_contact(self.p.counsellor, caller_number="13800000000")
        self.url = f"/api/v1/contacts/{self.contact.public_id}"
        self.client.get(self.url)  # the token's last-used time is written once in 5 minutes

    def tearDown(self):
        shred._SEALING_KEYS.clear()

    def statements(self, call) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = call()
        self.assertLess(response.status_code, 300, response.content)
        sql = [q["sql"] for q in captured if not q["sql"].startswith(TRANSACTION_CONTROL)]
        return len(sql), sql

    def patch(self, text: str):
        version = self.client.get(self.url).json()["version"]
        return lambda: self.client.patch(
            self.url, {"version": version, "problems": text}, content_type="application/json"
        )

    def test_reading_a_contact_costs_three_statements(self):
        count, sql = self.statements(lambda: self.client.get(self.url))
        self.assertLessEqual(count, 3, sql)  # the token, the contact, the audit event

    def test_updating_a_stage_costs_at_most_five_statements(self):
        self.statements(self.patch("失眠三个月"))  # the contact's first words make its key
        count, sql = self.statements(self.patch("失眠四个月"))
        self.assertLessEqual(count, 5, sql)

    def test_creating_a_contact_with_a_callers_number_costs_at_most_eight_statements(self):
        def create(number):
            return lambda: self.client.post(
                "/api/v1/contacts",
                {"channel": "phone", "caller_number": number, "seat": "A01"},
                content_type="application/json",
            )

        count, sql = self.statements(create("13900000001"))  # a new caller
        self.assertLessEqual(count, 8, sql)
        count, sql = self.statements(create("13800000000"))  # a known one
        self.assertLessEqual(count, 8, sql)
