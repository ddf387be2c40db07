"""The public portal under attack: a flood of serious self-tests from one device or one network
is folded into one task (one line in the supervisors' alerts), every result is kept, the
person always sees the crisis channels first, and genuine different people each get a task."""

import re
import threading
from datetime import timedelta

from django.db import close_old_connections, connection
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.utils import timezone

from xinyuan.assessments.actions import do_complete_task, do_submit, do_take_task
from xinyuan.assessments.models import HelpTask, SelfAssessment
from xinyuan.assessments.rules import Origin, is_beyond_limit, network_of
from xinyuan.audit.models import AuditEvent
from xinyuan.audit.triggers import lifted
from xinyuan.core import crypto
from xinyuan.core.testing import PersonaMixin, client_for, make_personas

ITEM_9 = [0] * 8 + [2]
MILD = [1] * 8 + [0]
LIMITS = {"SELFTEST_DEVICE_LIMIT": 3, "SELFTEST_NETWORK_LIMIT": 5, "SELFTEST_WINDOW_MINUTES": 60}


class NetworkRuleTests(TestCase):
    def test_the_network_of_an_address(self):
        cases = [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("::ffff:203.0.113.7", "203.0.113.7"),
            ("", ""),
            ("not an address", ""),
        ]
        for address, network in cases:
            with self.subTest(address=address):
                self.assertEqual(network_of(address), network)

    def test_the_limit(self):
        for count, limit, beyond in [(2, 3, False), (3, 3, True), (9, 0, False), (0, 1, False)]:
            with self.subTest(count=count, limit=limit):
                self.assertEqual(is_beyond_limit(count, limit), beyond)


@override_settings(**LIMITS)
class PortalFloodTests(PersonaMixin, TestCase):
    def setUp(self):
        self.supervisor = client_for(self.p.supervisor)

    def take(self, client: Client, answers=ITEM_9) -> str:
        client.post("/s/phq9/", {"consent": "yes"})
        for number, value in enumerate(answers, start=1):
            response = client.post(f"/s/phq9/q/{number}/", {"answer": str(value)})
        page = client.get(response["Location"])
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        if answers == ITEM_9:
            self.assertIn('data-testid="crisis-channels"', html, "help is never hidden")
            self.assertLess(html.index("crisis-channels"), html.index('data-testid="result"'))
        return html

    def lines(self) -> list[HelpTask]:
        return list(HelpTask.objects.filter(folded_into__isnull=True).order_by("id"))

    def panel(self) -> str:
        return self.supervisor.get("/alerts/panel/").content.decode()

    def test_a_flood_from_one_address_with_many_devices_is_one_line_after_the_limit(self):
        for _ in range(30):
            self.take(Client(REMOTE_ADDR="203.0.113.7"))
        self.assertEqual(SelfAssessment.objects.count(), 30, "every result is kept")
        self.assertEqual(HelpTask.objects.count(), 30, "every result has its task")
        lines = self.lines()
        self.assertEqual(len(lines), 5, "the network limit")
        self.assertEqual(lines[-1].folded_count, 25)
        self.assertEqual(HelpTask.objects.filter(folded_into=lines[-1]).count(), 25)
        self.assertEqual(
            lines[-1].newest_assessment, SelfAssessment.objects.order_by("-id").first()
        )
        panel = self.panel()
        self.assertEqual(panel.count('data-testid="self-test-alert"'), 5)
        self.assertRegex(panel, r"data-testid=\"self-test-folded\">×26")
        self.assertRegex(panel, r'data-testid="alert-count-self_test">[^<]*\b30</span>')
        folded = AuditEvent.objects.filter(action="alert", changes_json__contains="folded_into")
        self.assertEqual(folded.count(), 25, "each folded task is audited as such")

    def test_a_flood_from_one_device_over_many_addresses(self):
        device = Client()
        for n in range(10):
            device.defaults["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
            self.take(device)
        lines = self.lines()
        self.assertEqual(len(lines), 3, "the device limit")
        self.assertEqual(lines[-1].folded_count, 7)
        self.assertEqual(SelfAssessment.objects.count(), 10)

    def test_an_ipv6_flood_is_counted_by_its_64(self):
        for n in range(8):
            self.take(Client(REMOTE_ADDR=f"2001:db8:aa:bb::{n + 1:x}"))
        self.assertEqual(len(self.lines()), 5)
        self.take(Client(REMOTE_ADDR="2001:db8:aa:bc::1"))
        self.assertEqual(len(self.lines()), 6, "another /64 is another network")

    def test_genuine_different_people_each_get_their_own_task(self):
        for n in range(12):
            self.take(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"))
        self.assertEqual(len(self.lines()), 12)
        self.assertFalse(HelpTask.objects.filter(folded_into__isnull=False).exists())
        self.assertEqual(self.panel().count('data-testid="self-test-alert"'), 8, "MAX_LINES")

    def test_a_mild_result_is_never_counted(self):
        device = Client(REMOTE_ADDR="203.0.113.9")
        for _ in range(6):
            self.take(device, answers=MILD)
        self.take(device)
        self.assertEqual(len(self.lines()), 1)

    def test_only_keyed_hashes_of_the_origin_are_stored(self):
        visitor = Client(REMOTE_ADDR="203.0.113.7")
        self.take(visitor)
        task = HelpTask.objects.get()
        self.assertEqual(task.network_hash, crypto.keyed_hash("selftest-network", "203.0.113.7"))
        device = visitor.session["selftest_device"]
        self.assertEqual(task.device_hash, crypto.keyed_hash("selftest-device", device))
        for row in HelpTask.objects.values(), SelfAssessment.objects.values():
            self.assertNotIn("203.0.113", str(list(row)))

    def test_a_call_back_beyond_the_limit_keeps_its_number_on_a_folded_task(self):
        device = Client(REMOTE_ADDR="203.0.113.8")
        for _ in range(4):
            html = self.take(device, answers=MILD)  # mild: no urgent task
            public_id = re.search(r"/s/result/([0-9a-f-]+)/callback/", html).group(1)
            device.post(f"/s/result/{public_id}/callback/", {"phone": "13800138000"})
        lines = self.lines()
        self.assertEqual(len(lines), 3)
        (folded,) = HelpTask.objects.filter(folded_into__isnull=False)
        self.assertEqual((folded.kind, folded.folded_into), ("callback", lines[-1]))
        self.assertEqual(crypto.decrypt(folded.phone_encrypted), "13800138000")
        detail = self.supervisor.get(f"/assessments/tasks/{lines[-1].public_id}/")
        self.assertContains(detail, 'data-testid="folded-tasks"')
        self.assertContains(detail, str(folded.public_id))
        listed = self.supervisor.get("/assessments/tasks/").content.decode()
        self.assertNotIn(str(folded.public_id), listed, "listed under its first task only")

    def test_an_urgent_result_is_never_folded_into_a_call_back(self):
        device = Client(REMOTE_ADDR="203.0.113.10")
        for _ in range(3):
            html = self.take(device, answers=MILD)
            public_id = re.search(r"/s/result/([0-9a-f-]+)/callback/", html).group(1)
            device.post(f"/s/result/{public_id}/callback/", {"phone": "13800138000"})
        self.take(device)
        urgent = HelpTask.objects.get(kind="urgent")
        self.assertIsNone(urgent.folded_into, "no open urgent task to fold into: a line")
        self.assertIn(str(urgent.public_id), self.panel())

    def test_taking_and_completing_the_first_task_handles_the_folded_ones(self):
        for _ in range(5):
            self.take(Client(REMOTE_ADDR="203.0.113.11"))
        HelpTask.objects.update(created_at=timezone.now())  # all in the window
        first = self.lines()[-1]
        self.assertEqual(first.folded_count, 0)
        for _ in range(3):
            self.take(Client(REMOTE_ADDR="203.0.113.11"))
        first.refresh_from_db()
        self.assertEqual(first.folded_count, 3)
        do_take_task(actor=self.p.supervisor, task=first)
        self.assertEqual(
            set(HelpTask.objects.filter(folded_into=first).values_list("taken_by", flat=True)),
            {self.p.supervisor.pk},
        )
        do_complete_task(actor=self.p.supervisor, task=first, outcome="同一网络的重复提交")
        self.assertEqual(
            set(HelpTask.objects.filter(folded_into=first).values_list("status", flat=True)),
            {"done"},
        )
        # The flood goes on: into the newest task from there still open.
        self.take(Client(REMOTE_ADDR="203.0.113.11"))
        self.assertEqual(self.lines()[-2].folded_count, 1)
        # Once every task from there is done, the next one is a line again (supervisors see
        # that it goes on).
        for task in self.lines():
            if task.status == "open":
                do_complete_task(actor=self.p.supervisor, task=task, outcome="重复提交")
        self.take(Client(REMOTE_ADDR="203.0.113.11"))
        self.assertEqual(len(self.lines()), 6)
        self.assertIn(str(self.lines()[-1].public_id), self.panel())

    def test_the_window_ends(self):
        for _ in range(5):
            self.take(Client(REMOTE_ADDR="203.0.113.12"))
        HelpTask.objects.update(created_at=timezone.now() - timedelta(minutes=61))
        self.take(Client(REMOTE_ADDR="203.0.113.12"))
        self.assertEqual(len(self.lines()), 6)

    def test_a_counsellor_giving_the_scale_is_not_throttled(self):
        origin = Origin(device_hash="d", network_hash="n")
        for n in range(5):
            do_submit(scale_code="phq9", answers=ITEM_9, organisation=self.p.org,
                      submission_key=f"s{n}", language="zh-hans", origin=origin)  # fmt: skip
        for n in range(5):
            do_submit(scale_code="phq9", answers=ITEM_9, organisation=self.p.org,
                      submission_key=f"staff{n}", language="zh-hans", source="staff",
                      actor=self.p.counsellor)  # fmt: skip
        self.assertEqual(len(self.lines()), 3 + 5)


@override_settings(**LIMITS)
class SimultaneousFloodTests(TransactionTestCase):
    """Submissions arriving at the same moment cannot slip past the limit (the row lock in
    actions._fold_target: without it, 16 of 20 simultaneous submissions became lines)."""

    def _fixture_teardown(self):
        with lifted():
            super()._fixture_teardown()

    def test_twenty_simultaneous_submissions_from_one_device(self):
        if connection.vendor == "sqlite":
            self.skipTest("SQLite's write transactions are serial; the in-memory test database")
        org = make_personas().org
        origin = Origin(device_hash="one-device", network_hash="")
        start = threading.Barrier(20)
        errors = []

        def submit(n: int) -> None:
            try:
                start.wait()
                do_submit(scale_code="phq9", answers=ITEM_9, organisation=org,
                          submission_key=f"t{n}", language="zh-hans", origin=origin)  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(SelfAssessment.objects.count(), 20)
        self.assertEqual(HelpTask.objects.filter(folded_into__isnull=True).count(), 3)
