import json
from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone, translation

from xinyuan.accounts.actions import do_issue_api_token, forget_cached_tokens
from xinyuan.accounts.api_auth import CALL_EVENTS_NEED_SWITCH_TOKEN
from xinyuan.accounts.models import TokenScope
from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.hotline import actions
from xinyuan.hotline.actions import call_events
from xinyuan.hotline.call_stats import call_event_summary
from xinyuan.hotline.models import CallEvent, Contact
from xinyuan.hotline.tests.factories import start_contact

URL = "/api/v1/call-events"
BEIJING_LANDLINE = "010-6234-5678"


class CallEventApiTests(PersonaMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.p.org.local_area_code = "010"
        cls.p.org.save(update_fields=["local_area_code"])

    def setUp(self):
        _token, self.token = do_issue_api_token(
            actor=self.p.admin, user=self.p.counsellor, name="switch", scope=TokenScope.CALL_EVENTS
        )

    def post(self, data, token=None, **headers):
        return self.client.post(
            URL,
            json.dumps(data),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token or self.token}", **headers},
        )

    def event(self, **extra):
        data = {
            "call_ref": "sw-1001",
            "kind": "answered",
            "occurred_at": timezone.now().isoformat(),
            "waited_seconds": 14,
            "seat": "A01",
        }
        data.update(extra)
        return data

    def test_the_switch_records_an_answered_call_with_its_wait_seat_and_area(self):
        response = self.post(self.event(caller_number=BEIJING_LANDLINE))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["kind"], body["waited_seconds"], body["seat"], body["caller_area"]),
            ("answered", 14, "A01", "北京市"),
        )
        self.assertIs(body["is_local"], True)
        event = CallEvent.objects.get(kind="answered")
        self.assertEqual((event.organisation, event.seat), (self.p.org, self.p.seat))
        audit = AuditEvent.objects.get(target_id=event.public_id)
        self.assertEqual((audit.action, audit.actor), ("create", self.p.counsellor))
        self.assertEqual(audit.changes["caller_area"], "北京市")

    def test_the_callers_number_is_stored_nowhere_and_never_echoed(self):
        for number, kind in ((BEIJING_LANDLINE, "offered"), ("13920001234", "answered")):
            response = self.post(self.event(kind=kind, caller_number=number))
            self.assertEqual(response.status_code, 201, response.content)
            self.assertNotIn(number[-4:] + '"', response.content.decode())
        digits = ("62345678", "13920001234", "6234", "0001234")
        rows = [
            json.dumps(list(row), default=str)
            for row in CallEvent.objects.values_list()  # every column of every event
        ]
        audit = [
            f"{e.changes_json} {e.reason} {e.user_agent}"
            for e in AuditEvent.objects.filter(target_type="hotline.callevent")
        ]
        self.assertEqual(len(rows), 2)
        self.assertEqual(len(audit), 2)
        for text in rows + audit:
            for fragment in digits:
                self.assertNotIn(fragment, text)
        self.assertEqual(
            sorted(CallEvent.objects.values_list("caller_area", "is_local")),
            [("北京市", True), ("天津市", False)],
        )
        too_long = "1390001234" * 5  # refused: the answer names the field, not the value
        refused = self.post(self.event(call_ref="long", caller_number=too_long))
        self.assertEqual(refused.status_code, 422)
        self.assertIn("caller_number", refused.content.decode())
        self.assertNotIn("1390001234", refused.content.decode())

    def test_a_foreign_or_unplaceable_number_gives_no_local_area(self):
        self.post(self.event(call_ref="a", caller_number="+1 415 555 2671"))
        self.post(self.event(call_ref="b", caller_number="12345"))
        self.post(self.event(call_ref="c"))
        self.assertEqual(
            dict(CallEvent.objects.filter(kind="answered").values_list("call_ref", "is_local")),
            {"a": False, "b": None, "c": None},
        )
        self.assertEqual(CallEvent.objects.get(call_ref="a", kind="answered").caller_area, "US")

    def test_the_same_call_and_kind_again_returns_the_first_event_with_200(self):
        first = self.post(self.event())
        again = self.post(self.event(waited_seconds=99))
        self.assertEqual((first.status_code, again.status_code), (201, 200))
        self.assertEqual(first.json()["public_id"], again.json()["public_id"])
        self.assertEqual(again.json()["waited_seconds"], 14, "the first report wins")
        # The answer and the offer recorded with it (the switch had not reported the offer).
        self.assertEqual(CallEvent.objects.count(), 2)
        self.assertEqual(AuditEvent.objects.filter(target_type="hotline.callevent").count(), 2)
        other_kind = self.post(self.event(kind="offered", waited_seconds=None))
        self.assertEqual(other_kind.status_code, 200, "the offer recorded with the answer")
        self.assertEqual(other_kind.json()["kind"], "offered")
        self.assertEqual(CallEvent.objects.count(), 2)

    def test_a_token_is_required(self):
        response = self.client.post(URL, json.dumps(self.event()), content_type="application/json")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.post(self.event(), token="wrong").status_code, 401)
        self.assertFalse(CallEvent.objects.exists())

    def test_a_browser_session_is_refused_in_the_users_language(self):
        client = client_for(self.p.counsellor)
        response = client.post(URL, json.dumps(self.event()), content_type="application/json")
        self.assertEqual(response.status_code, 403, response.content)
        with translation.override("zh-hans"):  # the default language
            self.assertEqual(response.json()["detail"], str(CALL_EVENTS_NEED_SWITCH_TOKEN))
        english = client.post(
            URL,
            json.dumps(self.event()),
            content_type="application/json",
            headers={"Accept-Language": "en"},
        )
        self.assertEqual(english.status_code, 403)
        self.assertIn("telephone switch's own token", english.json()["detail"])
        self.assertFalse(CallEvent.objects.exists())

    def test_a_token_acting_as_the_counsellor_is_refused(self):
        _t, counsellor_token = do_issue_api_token(
            actor=self.p.admin, user=self.p.counsellor, name="CTI"
        )
        response = self.post(self.event(), token=counsellor_token, **{"Accept-Language": "en"})
        self.assertEqual(response.status_code, 403, response.content)
        self.assertIn("telephone switch's own token", response.json()["detail"])
        self.assertFalse(CallEvent.objects.exists())

    @override_settings(API_TOKEN_CACHE_SECONDS=10)
    def test_the_switch_token_is_refused_everywhere_else_also_when_cached(self):
        forget_cached_tokens()
        self.addCleanup(forget_cached_tokens)
        bearer = {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}
        offered = self.event(kind="offered", waited_seconds=None)
        self.assertEqual(self.post(offered).status_code, 201)
        for _attempt in range(2):  # the second time from the per-worker cache
            for url in (
                "/api/v1/contacts",
                "/api/v1/reports/summary?from=2026-01-01&to=2026-01-31",
                "/api/v1/openapi.json",
                "/api/v1/docs",
            ):
                with self.subTest(url=url, attempt=_attempt):
                    response = self.client.get(url, headers=bearer)
                    self.assertEqual(response.status_code, 403, response.content)
                    self.assertIn("only post call events", response.json()["detail"])
            created = self.client.post(
                "/api/v1/contacts",
                json.dumps({"channel": "phone"}),
                content_type="application/json",
                headers=bearer,
            )
            self.assertEqual(created.status_code, 403)
            abandoned = self.event(call_ref=f"sw-{_attempt}", kind="abandoned", seat=None)
            self.assertEqual(self.post(abandoned).status_code, 201)
        self.assertFalse(Contact.objects.exists())

    def test_a_role_that_takes_no_calls_is_refused(self):
        _t, director_token = do_issue_api_token(
            actor=self.p.director, user=self.p.director, name="mine", scope=TokenScope.CALL_EVENTS
        )
        self.assertEqual(self.post(self.event(), token=director_token).status_code, 403)

    def test_another_centres_seat_and_contact_are_refused(self):
        _t, outsider_token = do_issue_api_token(
            actor=self.p.outsider,
            user=self.p.outsider,
            name="their switch",
            scope=TokenScope.CALL_EVENTS,
        )
        seat = self.post(self.event(), token=outsider_token)
        self.assertEqual(seat.status_code, 422, seat.content)
        self.assertEqual(seat.json()["detail"][0]["loc"], ["body", "seat"])
        ours = start_contact(self.p.counsellor)
        contact = self.post(
            self.event(seat=None, contact=str(ours.public_id)), token=outsider_token
        )
        self.assertEqual(contact.status_code, 422, contact.content)
        self.assertEqual(contact.json()["detail"][0]["loc"], ["body", "contact"])
        self.assertFalse(CallEvent.objects.exists())

    def test_bad_input_answers_422_naming_the_field_in_the_callers_language(self):
        future = (timezone.now() + timedelta(hours=2)).isoformat()
        chinese = self.post(self.event(occurred_at=future))
        self.assertEqual(chinese.status_code, 422)
        self.assertEqual(chinese.json()["detail"][0]["loc"], ["body", "occurred_at"])
        self.assertIn("未来", chinese.json()["detail"][0]["msg"])
        english = self.post(self.event(occurred_at=future), **{"Accept-Language": "en"})
        self.assertIn("future", english.json()["detail"][0]["msg"])
        own_contact = str(start_contact(self.p.counsellor).public_id)
        cases = [
            (self.event(kind="ringing"), "kind"),
            (self.event(waited_seconds=-1), "waited_seconds"),
            (self.event(call_ref=""), "call_ref"),
            (self.event(kind="offered", contact=own_contact), "contact"),
            (self.event(contact="00000000-0000-0000-0000-000000000000"), "contact"),
            (self.event(seat="Z99"), "seat"),
            (self.event(extra_field=1), "extra_field"),
            ({"kind": "answered"}, "call_ref"),
        ]
        for payload, field in cases:
            with self.subTest(field=field):
                response = self.post(payload)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertIn(field, json.dumps(response.json()))
        self.assertFalse(CallEvent.objects.exists())

    def test_an_answered_call_links_to_the_named_contact(self):
        contact = start_contact(self.p.counsellor, seat=self.p.seat)
        response = self.post(self.event(contact=str(contact.public_id)))
        self.assertEqual(response.json()["contact"], str(contact.public_id))

    def test_an_answered_call_links_to_the_contact_with_its_switch_call_id(self):
        earlier = start_contact(self.p.counsellor, external_call_id="sw-2002")
        response = self.post(self.event(call_ref="sw-2002"))
        self.assertEqual(response.json()["contact"], str(earlier.public_id))
        # Reported before the contact began: linked when the contact starts with the call's id.
        self.post(self.event(call_ref="sw-3003"))
        self.assertIsNone(CallEvent.objects.get(call_ref="sw-3003", kind="answered").contact)
        # The counsellor's own integration starts the contact (the switch's token cannot).
        _t, counsellor_token = do_issue_api_token(
            actor=self.p.admin, user=self.p.counsellor, name="CTI"
        )
        later = self.client.post(
            "/api/v1/contacts",
            json.dumps({"channel": "phone", "external_call_id": "sw-3003"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {counsellor_token}"},
        )
        self.assertEqual(later.status_code, 201)
        event = CallEvent.objects.get(call_ref="sw-3003", kind="answered")
        self.assertEqual(str(event.contact.public_id), later.json()["public_id"])
        created = AuditEvent.objects.get(target_id=event.contact.public_id, action="create")
        self.assertIs(created.changes["call_event_linked"], True)

    def test_another_centres_contact_with_the_same_switch_call_id_is_never_linked(self):
        start_contact(self.p.outsider, external_call_id="sw-5005")
        response = self.post(self.event(call_ref="sw-5005"))
        self.assertEqual(response.status_code, 201)
        self.assertIsNone(response.json()["contact"])

    def test_offered_and_abandoned_calls_never_link_a_contact(self):
        start_contact(self.p.counsellor, external_call_id="sw-4004")
        self.post(self.event(call_ref="sw-4004", kind="abandoned"))
        self.assertFalse(CallEvent.objects.filter(contact__isnull=False).exists())


class CallEventSummaryTests(PersonaMixin, TestCase):
    def record(self, ref, kind, waited=None, number="", user=None, minutes_ago=5):
        return actions.do_record_call_event(
            actor=user or self.p.counsellor,
            call_ref=ref,
            kind=kind,
            occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
            waited_seconds=waited,
            caller_number=number,
        )

    def test_answer_rate_speed_of_answer_and_areas_over_a_period(self):
        self.p.org.local_area_code = "022"
        self.p.org.save(update_fields=["local_area_code"])
        self.record("1", "offered", number="13920000000")
        self.record("1", "answered", waited=10, number="13920000000")
        self.record("2", "offered", number=BEIJING_LANDLINE)
        self.record("2", "answered", waited=30, number=BEIJING_LANDLINE)
        self.record("3", "offered")
        self.record("3", "abandoned", waited=50)
        self.record("4", "answered", waited=5)  # its offer never reported: recorded with it
        self.record("5", "offered", minutes_ago=60 * 24 * 3)  # outside the period
        self.record("6", "offered", user=self.p.outsider)  # another centre
        now = timezone.now()
        summary = call_event_summary([self.p.org.pk], now - timedelta(days=1), now)
        self.assertEqual(
            summary,
            {
                "offered": 4,
                "answered": 3,
                "abandoned": 1,
                "answer_rate": 0.75,
                "average_wait_seconds": 15.0,
                "answered_within_20s": 2,
                "answered_within_20s_rate": 2 / 3,
                "local": 1,
                "non_local": 1,
                "unknown_area": 2,
            },
        )
        both = call_event_summary(
            [self.p.org.pk, self.p.other_org.pk], now - timedelta(days=1), now
        )
        self.assertEqual(both["offered"], 5)

    def test_an_answer_without_its_offer_records_the_offer_once(self):
        event, _created = self.record("7", "answered", waited=30, number="13920000000")
        offered = CallEvent.objects.get(call_ref="7", kind="offered")
        self.assertEqual(offered.occurred_at, event.occurred_at - timedelta(seconds=30))
        self.assertEqual(offered.is_local, event.is_local)
        audit = AuditEvent.objects.get(target_id=offered.public_id)
        self.assertEqual(audit.changes["inferred_from"], "answered")
        # The switch's own report of the offer comes late: the first (inferred) one stands.
        late, created = self.record("7", "offered", minutes_ago=6)
        self.assertFalse(created)
        self.assertEqual(late.pk, offered.pk)
        self.record("7", "abandoned")  # nonsense after an answer, but still one offer
        self.assertEqual(CallEvent.objects.filter(call_ref="7", kind="offered").count(), 1)

    def test_a_reference_reused_a_day_later_is_another_call(self):
        self.record("daily-1", "offered", minutes_ago=60 * 26)
        self.record("daily-1", "answered", minutes_ago=60 * 26 - 1)
        again, created = self.record("daily-1", "offered")
        self.assertTrue(created, "a new call, not a repeat of yesterday's report")
        self.assertEqual(CallEvent.objects.filter(call_ref="daily-1").count(), 3)
        _twin, created = self.record("daily-1", "offered", minutes_ago=4)
        self.assertFalse(created, "the same call's offer again, a minute apart")

    def test_the_board_and_the_work_report_count_the_same_calls(self):
        from xinyuan.reports import rules
        from xinyuan.reports.access import access_reports
        from xinyuan.reports.selectors.work_report import local_bounds, service_and_problems

        self.p.org.local_area_code = "022"
        self.p.org.save(update_fields=["local_area_code"])
        for ref, kind, number in (
            ("a", "offered", "13920000000"),
            ("a", "answered", "13920000000"),
            ("b", "answered", BEIJING_LANDLINE),  # no offer reported
            ("c", "abandoned", ""),  # no offer reported
            ("d", "offered", ""),
        ):
            self.record(ref, kind, waited=10 if kind != "offered" else None, number=number)
        # Yesterday and today: whatever the time of the run, both read all of these events.
        today = timezone.localdate()
        yesterday = today - timedelta(days=1)
        board = call_event_summary([self.p.org.pk], *local_bounds(yesterday, today))
        service, _problems = service_and_problems(
            access_reports(self.p.director), rules.Period("custom", yesterday, today)
        )
        self.assertEqual(
            (board["offered"], board["answered"], board["local"], board["non_local"]),
            (4, 2, 1, 1),
        )
        self.assertEqual(
            (
                service.calls_offered,
                service.calls_answered,
                service.local_calls,
                service.non_local_calls,
            ),
            (4, 2, 1, 1),
        )

    def test_no_calls_give_no_rates(self):
        now = timezone.now()
        summary = call_event_summary([self.p.org.pk], now - timedelta(days=1), now)
        self.assertEqual(summary["offered"], 0)
        self.assertIsNone(summary["answer_rate"])
        self.assertIsNone(summary["average_wait_seconds"])


class CallEventTransactionTests(ProductionTransactionTestCase):
    def test_a_twin_report_that_wins_the_race_is_returned_and_the_transaction_goes_on(self):
        p = make_personas()
        when = timezone.now()
        first, created = actions.do_record_call_event(
            actor=p.counsellor, call_ref="race", kind="offered", occurred_at=when
        )
        self.assertTrue(created)
        # The second report (the switch's retry: the same event, the same time) does not see the
        # first (as if both read at once) and collides.
        with mock.patch.object(call_events, "_existing", side_effect=[None, first]):
            twin, created = actions.do_record_call_event(
                actor=p.counsellor, call_ref="race", kind="offered", occurred_at=when
            )
        self.assertFalse(created)
        self.assertEqual(twin.pk, first.pk)
        self.assertFalse(connection.in_atomic_block)
        self.assertEqual(CallEvent.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(target_type="hotline.callevent").count(), 1)
