"""Durability of the task worker: SIGKILL in the middle of the follow-up reminder sweep.

The real worker (``manage.py db_worker``) runs a sweep over hundreds of due follow-ups on the
suite's kind of database (a fresh SQLite file, or a fresh PostgreSQL database) and is killed
with SIGKILL once it has committed some reminders. Right after the kill, nothing is
half-written: every committed reminder has its audit event and no audit event lacks its
reminder. django-tasks-db leaves the task RUNNING for ever; ``requeue_stale_tasks`` puts it back
in the queue, a restarted worker runs it again, and then every follow-up has each reminder the
rule gives it exactly once, the re-run created exactly the missing ones, a further sweep finds
nothing to do, and the audit log, once sealed, verifies.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from django.test import SimpleTestCase

from xinyuan.core.tests.processes import FreshDatabaseMixin

PER_GROUP = 150  # follow-ups coming due, overdue, and not yet due, in each of two centres
EXPECTED = 2 * PER_GROUP * (1 + 2)  # due soon: 1 reminder; overdue: 2; not yet due: none
REMINDERS = "SELECT COUNT(*) FROM cases_followupreminder"
# One statement, so one snapshot: reminders and their audit events, as committed.
REMINDERS_AND_EVENTS = (
    "SELECT (SELECT COUNT(*) FROM cases_followupreminder), (SELECT COUNT(*) FROM "
    "audit_auditevent WHERE target_type = 'cases.followupreminder' AND action = 'create')"
)
OTHER_SESSIONS = (
    "SELECT COUNT(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)
TASK_STATUS = "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = '{id}'"


class KillTheWorkerMidSweepTests(FreshDatabaseMixin, SimpleTestCase):
    databases = "__all__"

    def setUp(self):
        super().setUp()
        made = json.loads(self.manage("shell", "-c", SETUP_SCRIPT).strip().splitlines()[-1])
        self.assertEqual(made["follow_ups"], 6 * PER_GROUP)

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.01)

    def count(self, sql: str) -> int:
        return int(self.query(sql)[0][0])

    def start_worker(self, worker_id: str):
        return self.spawn(
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--worker-id",
            worker_id,
        )

    def test_every_reminder_exists_exactly_once_after_the_worker_is_killed_mid_sweep(self):
        out = self.manage("send_follow_up_reminders", "--enqueue")  # as cron would
        task_id = out.split("(task ", 1)[1].split(")", 1)[0]
        status = TASK_STATUS.format(id=task_id.replace("-", "") if self.is_sqlite else task_id)

        worker = self.start_worker("first")
        self.wait_for("a third of the reminders", lambda: self.count(REMINDERS) >= EXPECTED // 3)
        self.kill(worker)  # SIGKILL to the worker's process group, mid-sweep
        if not self.is_sqlite:
            # The server ends the dead worker's session (rolling back its open transaction)
            # when it notices the closed connection.
            self.wait_for(
                "the killed worker's session to end", lambda: not self.count(OTHER_SESSIONS)
            )

        ((committed, events),) = self.query(REMINDERS_AND_EVENTS)
        self.assertGreater(committed, 0)
        self.assertLess(committed, EXPECTED, "the worker was killed before the sweep finished")
        self.assertEqual(events, committed, "nothing half-written: a reminder with its event")
        self.assertEqual(self.query(status), [("RUNNING",)], "django-tasks-db leaves it RUNNING")

        self.assertIn(
            "Requeued 1 stale tasks.",
            self.manage("requeue_stale_tasks", "--older-than-minutes", "0"),
        )
        worker = self.start_worker("second")
        self.wait_for("the re-run", lambda: self.query(status) == [("SUCCESSFUL",)])
        self.kill(worker)

        report = json.loads(
            self.manage("shell", "-c", CHECK_SCRIPT.replace("TASK_ID", task_id))
            .strip()
            .splitlines()[-1]
        )
        self.assertEqual(report["reminders"], EXPECTED)
        self.assertEqual(report["wrong"], [], "each follow-up has the reminders the rule gives it")
        self.assertEqual(report["duplicates"], 0)
        self.assertEqual(report["events"], EXPECTED, "one audit event per reminder")
        self.assertEqual(report["reminders_without_event"], 0)
        self.assertTrue(report["chain_ok"], report)
        self.assertEqual(report["worker_ids"], ["first", "second"])
        self.assertEqual(report["return_value"]["created"], EXPECTED - committed)
        self.assertIn("Created 0 reminders", report["sweep_again"], "the cron sweep: nothing left")
        self.assertIn("Audit log intact", report["verify_audit"])

    @property
    def is_sqlite(self) -> bool:
        return not self.pg_conninfo


# Follow-ups in two centres, due in an hour (a "due soon" reminder), an hour ago (overdue: the
# counsellor and the supervisors) and in five hours (nothing yet). One is booked through the
# action, the rest are inserted in bulk to keep the set-up quick (users without passwords too:
# hashing them is the slow part of loading the demo).
SETUP_SCRIPT = """
import json
from datetime import timedelta
from django.utils import timezone
from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.hotline.actions import do_book_follow_up
from xinyuan.cases.models import FollowUp
from xinyuan.hotline.tests.factories import high_risk_contact

PER_GROUP = PER_GROUP_VALUE
now = timezone.now()
rows = []
for n in (1, 2):
    org = Organisation.objects.create(name=f"centre {n}", hotline_name=f"hotline {n}")
    User.objects.create(username=f"supervisor{n}", organisation=org, role=Role.SUPERVISOR)
    counsellor = User.objects.create(
        username=f"counsellor{n}", organisation=org, role=Role.COUNSELLOR, alias=f"0{n}"
    )
    contact = high_risk_contact(counsellor)
    first = do_book_follow_up(actor=counsellor, contact=contact, consent_given=True)
    for i in range(3 * PER_GROUP - 1):
        rows.append(FollowUp(
            organisation=org, person=contact.person, contact=contact,
            assigned_to=counsellor, booked_by=counsellor, consent_given=True,
            due_at=now + timedelta(hours=(1, -1, 5)[i % 3]),
        ))
    FollowUp.objects.filter(pk=first.pk).update(due_at=now + timedelta(hours=5))
FollowUp.objects.bulk_create(rows)
print(json.dumps({"follow_ups": FollowUp.objects.count()}))
""".replace("PER_GROUP_VALUE", str(PER_GROUP))

CHECK_SCRIPT = """
import io
import json
from collections import Counter
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from xinyuan.audit.models import AuditEvent
from xinyuan.audit.verify import verify_chain
from xinyuan.cases import rules
from xinyuan.cases.actions.reminders import reminder_lead
from xinyuan.cases.models import FollowUp, FollowUpReminder

now, lead = timezone.now(), reminder_lead()
reminders = list(FollowUpReminder.objects.select_related("follow_up"))
kinds = Counter((r.follow_up_id, r.kind) for r in reminders)
wrong = []
for f in FollowUp.objects.all():
    have = {kind for (pk, kind) in kinds if pk == f.pk}
    if have != set(rules.reminders_due(f.due_at, now, lead)):
        wrong.append([str(f.public_id), sorted(have)])
for r in reminders:
    expected_recipient = None if r.kind == "escalated" else r.follow_up.assigned_to_id
    if r.organisation_id != r.follow_up.organisation_id or r.recipient_id != expected_recipient:
        wrong.append([str(r.public_id), "organisation or recipient"])
events = AuditEvent.objects.filter(target_type="cases.followupreminder", action="create")
audited = Counter(events.values_list("target_id", flat=True))
task = DBTaskResult.objects.get(id="TASK_ID")
sweep_again, verify_audit = io.StringIO(), io.StringIO()
call_command("send_follow_up_reminders", stdout=sweep_again)
call_command("seal_audit", stdout=io.StringIO())  # seal what the workers committed
call_command("verify_audit", "--workers", "1", "--strict", stdout=verify_audit)  # exit 1: broken
print(json.dumps({
    "reminders": len(reminders),
    "duplicates": sum(n - 1 for n in kinds.values()),
    "wrong": wrong[:5],
    "events": events.count(),
    "reminders_without_event": sum(1 for r in reminders if audited[r.public_id] != 1),
    "chain_ok": verify_chain(strict=True).ok,
    "worker_ids": task.worker_ids,
    "return_value": task.return_value,
    "sweep_again": sweep_again.getvalue(),
    "verify_audit": verify_audit.getvalue(),
}))
"""
