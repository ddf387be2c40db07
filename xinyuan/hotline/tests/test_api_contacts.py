import json

from django.test import TestCase

from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.cases.models import CallerIdentity
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


class ContactApiTests(PersonaMixin, TestCase):
    def setUp(self):
        _token, self.token = do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="switch"
        )

    def call(self, method, url, data=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.token}"}
        body = json.dumps(data) if data is not None else None
        return getattr(self.client, method)(
            url, body, content_type="application/json", headers=headers
        )

    def test_a_switch_posts_a_calls_start_and_end(self):
        created = self.call(
            "post",
            "/api/v1/contacts",
            {
                "channel": "phone",
                "seat": "A01",
                "caller_number": "13800001234",
                "external_call_id": "call-42",
                "recording_consent": "notice_given",
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        body = created.json()
        self.assertEqual((body["seat"], body["version"], body["status"]), ("A01", 1, "open"))
        self.assertNotIn("13800001234", created.content.decode(), "the number is never echoed")
        ended = self.call(
            "patch",
            f"/api/v1/contacts/{body['public_id']}",
            {
                "version": 1,
                "ended_at": "2030-01-01T10:00:00+08:00",
                "recording_url": "https://switch.example/rec/42.wav",
                "status": "closed",
            },
        )
        self.assertEqual(ended.status_code, 200, ended.content)
        self.assertEqual(ended.json()["status"], "closed")
        self.assertEqual(ended.json()["recording_url"], "https://switch.example/rec/42.wav")
        self.assertEqual(CallerIdentity.objects.count(), 1)

    def test_a_stale_version_answers_409_with_the_current_version(self):
        contact = start_contact(self.p.counsellor)
        url = f"/api/v1/contacts/{contact.public_id}"
        self.assertEqual(self.call("patch", url, {"version": 1, "goal": "A"}).status_code, 200)
        conflict = self.call("patch", url, {"version": 1, "goal": "B"})
        self.assertEqual(conflict.status_code, 409)
        self.assertEqual(conflict.json()["current_version"], 2)
        self.assertEqual(self.call("get", url).json()["goal"], "A")

    def test_invalid_values_answer_422_naming_the_field(self):
        contact = start_contact(self.p.counsellor)
        url = f"/api/v1/contacts/{contact.public_id}"
        cases = [
            ({"version": 1, "goal_attainment": 11}, "goal_attainment"),
            ({"version": 1, "caller_gender": "robot"}, "caller_gender"),
            ({"goal": "no version"}, "version"),
            ({"version": 1, "unknown_field": 1}, "unknown_field"),
        ]
        for payload, field in cases:
            with self.subTest(field):
                response = self.call("patch", url, payload)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertIn(field, json.dumps(response.json()))
        self.assertEqual(self.call("post", "/api/v1/contacts", {"channel": "fax"}).status_code, 422)

    def test_a_foreign_or_unknown_contact_answers_404(self):
        foreign = start_contact(self.p.outsider)
        for public_id in (foreign.public_id, "00000000-0000-0000-0000-000000000000"):
            self.assertEqual(self.call("get", f"/api/v1/contacts/{public_id}").status_code, 404)
            patch = self.call("patch", f"/api/v1/contacts/{public_id}", {"version": 1, "goal": "x"})
            self.assertEqual(patch.status_code, 404)

    def test_the_list_filters_and_stays_in_scope(self):
        high_risk_contact(self.p.counsellor)
        start_contact(self.p.counsellor)
        start_contact(self.p.counsellor_b)
        start_contact(self.p.outsider)
        everything = self.call("get", "/api/v1/contacts").json()
        self.assertEqual(everything["count"], 2)
        high = self.call("get", "/api/v1/contacts?risk_level=imminent").json()
        self.assertEqual(high["count"], 1)
        self.assertEqual(high["items"][0]["risk_level"], "imminent")
        _t, sup = do_issue_api_token(actor=self.p.supervisor, user=self.p.supervisor, name="s")
        self.assertEqual(self.call("get", "/api/v1/contacts", token=sup).json()["count"], 3)

    def test_the_list_does_not_query_per_row_and_names_the_rows_in_one_audit_event(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from xinyuan.audit.models import AuditEvent

        def statements() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.call("get", "/api/v1/contacts").status_code, 200)
            return len(captured)

        contacts = [start_contact(self.p.counsellor) for _ in range(3)]
        self.call("get", "/api/v1/contacts")  # the token's last-used time is written once
        three = statements()
        contacts += [start_contact(self.p.counsellor) for _ in range(5)]
        self.assertEqual(statements(), three, "the same statements for 3 rows and for 8")
        listed = AuditEvent.objects.filter(action="list").order_by("-id").first()
        self.assertEqual(
            sorted(listed.changes["records"]), sorted(str(c.public_id) for c in contacts)
        )

    def test_no_token_answers_401(self):
        self.assertEqual(self.client.get("/api/v1/contacts").status_code, 401)

    def test_openapi_and_docs_are_served_to_signed_in_users(self):
        from xinyuan.core.testing import client_for

        client = client_for(self.p.counsellor)
        self.assertEqual(client.get("/api/v1/docs").status_code, 200)
        schema = client.get("/api/v1/openapi.json")
        self.assertEqual(schema.status_code, 200)
        paths = schema.json()["paths"]
        self.assertIn("/api/v1/risk/evaluate", paths)
        self.assertIn("/api/v1/contacts/{public_id}", paths)

    def test_hostile_and_sloppy_input_answers_422_or_is_read_sensibly(self):
        contact = start_contact(self.p.counsellor)
        url = f"/api/v1/contacts/{contact.public_id}"
        nul = self.call("patch", url, {"version": 1, "purpose": "a\u0000b"})
        self.assertEqual(nul.status_code, 422)
        naive = self.call("patch", url, {"version": 1, "ended_at": "2030-01-01T10:00:00"})
        self.assertEqual(naive.status_code, 200, naive.content)
        self.assertTrue(naive.json()["ended_at"].startswith("2030-01-01T02:00:00"))  # +08:00
        self.assertEqual(
            self.call(
                "post",
                "/api/v1/contacts",
                {
                    "channel": "phone",
                    "started_at": "2026-01-01T10:00:00",
                    "caller_number": "13100000000",
                },
            ).status_code,
            201,
        )
        huge = self.call("get", "/api/v1/contacts?limit=100000000")
        self.assertEqual(huge.status_code, 422)
        # Found by fuzzing: an offset near 2**63 overflowed SQLite's OFFSET (a 500).
        for started in ("0714-01-07T00:22:53+23:38", "2026-01-07T00:22:53+15:00"):
            odd = self.call("post", "/api/v1/contacts", {"channel": "phone", "started_at": started})
            self.assertEqual(odd.status_code, 422, started)
            self.assertIn("started_at", odd.content.decode())
        # Found by fuzzing: dates at the ends of the calendar overflowed (a 500).
        for query in ("date_to=9999-12-31", "date_from=0001-01-01", "date_from=9999-12-31"):
            self.assertEqual(self.call("get", f"/api/v1/contacts?{query}").status_code, 200)
        far = self.call("get", "/api/v1/contacts?offset=9223372036854775807")
        self.assertEqual(far.status_code, 422)
        self.assertIn("offset", far.content.decode())

    def test_api_docs_need_a_login(self):
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 302)
