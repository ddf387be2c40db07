"""Durability of the daily overdue escalation: SIGKILL to the real worker mid-sweep.

The worker (``manage.py db_worker``) escalates hundreds of overdue follow-ups on the suite's
kind of database, in small batches, and is killed once some batches are committed. Right after
the kill nothing is half-written: each committed escalation is listed in its batch's audit
event. ``requeue_stale_tasks`` puts the task back, a second worker finishes it, and then every
overdue follow-up has exactly one escalation for today, listed in exactly one audit event (one
per batch and centre); a further sweep finds nothing; the sealed audit log verifies. The
follow-ups not yet due are never escalated.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from django.test import SimpleTestCase

from xinyuan.core.tests.processes import FreshDatabaseMixin

PER_CENTRE = 300  # overdue follow-ups in each of two centres (and as many not yet due)
EXPECTED = 2 * PER_CENTRE
# One statement, so one snapshot: the escalations, and the follow-ups the audit events list.
ESCALATIONS_AND_EVENTS = (
    "SELECT (SELECT COUNT(*) FROM cases_followupescalation), (SELECT COALESCE(SUM("
    "(LENGTH(changes_json) - LENGTH(REPLACE(changes_json, '-', ''))) / 4), 0) FROM "
    "audit_auditevent WHERE action = 'escalate')"
)
TASK = (
    "SELECT id, status FROM django_tasks_database_dbtaskresult "
    "WHERE task_path = 'xinyuan.cases.escalation_tasks.escalate_overdue_follow_ups' "
    "ORDER BY enqueued_at"
)
OTHER_SESSIONS = (
    "SELECT COUNT(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend'"
)


class KillTheWorkerMidEscalationTests(FreshDatabaseMixin, SimpleTestCase):
    databases = "__all__"

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(0.01)

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

    def counts(self) -> tuple[int, int]:
        ((escalations, events),) = self.query(ESCALATIONS_AND_EVENTS)
        return int(escalations), int(events)

    def first_task_status(self) -> str:
        rows = self.query(TASK)
        return rows[0][1] if rows else ""

    def test_every_overdue_follow_up_is_escalated_once_after_the_worker_is_killed(self):
        made = json.loads(self.manage("shell", "-c", SETUP_SCRIPT).strip().splitlines()[-1])
        self.assertEqual(made["overdue"], EXPECTED)
        self.assertIn("enqueued", self.manage("escalate_overdue_follow_ups", "--enqueue"))
        # Small batches (one transaction each), so that the kill lands between two of them.
        self.env["XINYUAN_FOLLOW_UP_ESCALATION_BATCH"] = "20"

        worker = self.start_worker("first")
        self.wait_for("a third of the escalations", lambda: self.counts()[0] >= EXPECTED // 3)
        self.kill(worker)
        if self.pg_conninfo:
            self.wait_for(
                "the killed worker's session to end",
                lambda: not int(self.query(OTHER_SESSIONS)[0][0]),
            )
        committed, events = self.counts()
        self.assertLess(committed, EXPECTED, "the worker was killed before the sweep finished")
        self.assertEqual(events, committed, "nothing half-written: an escalation in its event")
        self.assertEqual(self.first_task_status(), "RUNNING")

        self.assertIn(
            "Requeued 1 stale tasks.",
            self.manage("requeue_stale_tasks", "--older-than-minutes", "0"),
        )
        worker = self.start_worker("second")
        self.wait_for("the re-run", lambda: self.first_task_status() == "SUCCESSFUL")
        self.kill(worker)

        report = json.loads(self.manage("shell", "-c", CHECK_SCRIPT).strip().splitlines()[-1])
        self.assertEqual(report["escalations"], EXPECTED)
        self.assertEqual(report["duplicates"], 0)
        self.assertEqual(report["overdue_without"], 0, "every overdue follow-up escalated")
        self.assertEqual(report["not_due_escalated"], 0)
        self.assertEqual(report["events"], EXPECTED, "each escalation in an audit event")
        self.assertEqual(report["listed_twice"], 0)
        self.assertEqual(report["listed_not_escalated"], 0)
        self.assertIn("Escalated 0 of 0", report["sweep_again"])
        self.assertIn("Audit log intact", report["verify_audit"])


SETUP_SCRIPT = """
import json
from datetime import timedelta
from django.utils import timezone
from xinyuan.accounts.models import Organisation, Role, User
from xinyuan.cases.models import FollowUp
from xinyuan.hotline.tests.factories import high_risk_contact

PER_CENTRE = PER_CENTRE_VALUE
now = timezone.now()
rows = []
for n in (1, 2):
    org = Organisation.objects.create(name=f"centre {n}", hotline_name=f"hotline {n}")
    User.objects.create(username=f"supervisor{n}", organisation=org, role=Role.SUPERVISOR)
    counsellor = User.objects.create(
        username=f"counsellor{n}", organisation=org, role=Role.COUNSELLOR, alias=f"0{n}"
    )
    contact = high_risk_contact(counsellor)
    for i in range(2 * PER_CENTRE):
        rows.append(FollowUp(
            organisation=org, person=contact.person, contact=contact,
            assigned_to=counsellor, booked_by=counsellor, consent_given=True,
            due_at=now + timedelta(hours=(-3, 5)[i % 2]),
        ))
FollowUp.objects.bulk_create(rows)
print(json.dumps({"overdue": FollowUp.objects.filter(due_at__lt=now).count()}))
""".replace("PER_CENTRE_VALUE", str(PER_CENTRE))

CHECK_SCRIPT = """
import io
import json
from uuid import UUID
from collections import Counter
from django.core.management import call_command
from django.utils import timezone
from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import FollowUp, FollowUpEscalation

now = timezone.now()
escalations = list(FollowUpEscalation.objects.all())
per = Counter((e.follow_up_id, e.day) for e in escalations)
overdue = set(FollowUp.objects.filter(due_at__lt=now).values_list("pk", flat=True))
escalated = {e.follow_up_id for e in escalations}
listed = Counter()
for event in AuditEvent.objects.filter(action="escalate"):
    listed.update(json.loads(event.changes_json)["follow_ups"])
by_public_id = dict(FollowUp.objects.values_list("public_id", "pk"))
sweep_again, verify_audit = io.StringIO(), io.StringIO()
call_command("escalate_overdue_follow_ups", stdout=sweep_again)
call_command("seal_audit", stdout=io.StringIO())
call_command("verify_audit", "--workers", "1", "--strict", stdout=verify_audit)
print(json.dumps({
    "escalations": len(escalations),
    "duplicates": sum(n - 1 for n in per.values()),
    "overdue_without": len(overdue - escalated),
    "not_due_escalated": len(escalated - overdue),
    "events": sum(listed.values()),
    "listed_twice": sum(1 for n in listed.values() if n > 1),
    "listed_not_escalated": len({by_public_id[UUID(p)] for p in listed} - escalated),
    "sweep_again": sweep_again.getvalue(),
    "verify_audit": verify_audit.getvalue(),
}))
"""
