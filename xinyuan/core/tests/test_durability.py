"""Durability: the server is killed with SIGKILL in the middle of a burst of contact saves.

Every save that was acknowledged (HTTP 200) must be there after a restart, exactly once (one
version step and one audit event per committed save), and nothing may be half-written (the
audit log, sealed after the restart, verifies; each contact's field versions agree with its
version). Runs a real gunicorn on the suite's kind of database: a fresh SQLite file, or a fresh
PostgreSQL database on the suite's server.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

from django.test import SimpleTestCase

from xinyuan.core.tests.processes import BIN, HOST, FreshDatabaseMixin, free_port

CLIENTS = 6
CONTACTS_PER_CLIENT = 1


class KillDuringSavesTests(FreshDatabaseMixin, SimpleTestCase):
    databases = "__all__"

    def setUp(self):
        super().setUp()
        self.manage("load_demo")
        self.token = self.manage("create_api_token", "counsellor1").strip().splitlines()[-1]
        self.port = free_port()

    def start_server(self):
        server = self.spawn(
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            "2",
            "--threads",
            "4",
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return server
            except OSError:
                time.sleep(0.2)
        self.fail("gunicorn did not start")

    def request(self, method: str, path: str, body: dict | None = None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=10)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            conn.request(method, path, json.dumps(body) if body else None, headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        finally:
            if own:
                conn.close()

    def test_every_acknowledged_save_survives_a_kill_exactly_once(self):
        server = self.start_server()
        contacts = []
        for _ in range(CLIENTS * CONTACTS_PER_CLIENT):
            status, body = self.request("POST", "/api/v1/contacts", {"channel": "phone"})
            self.assertEqual(status, 201)
            contacts.append(body["public_id"])
        acked: dict[str, tuple[int, str]] = {}
        stop = threading.Event()

        def burst(public_id: str) -> None:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
            version, n = 1, 0
            while not stop.is_set():
                n += 1
                text = f"{public_id[:8]} save {n}"
                try:
                    status, body = self.request(
                        "PATCH",
                        f"/api/v1/contacts/{public_id}",
                        {"version": version, "problems": text},
                        conn,
                    )
                except (OSError, http.client.HTTPException, ValueError):
                    return  # the server died under us: this save was never acknowledged
                if status == 200:
                    version = body["version"]
                    acked[public_id] = (version, text)

        threads = [threading.Thread(target=burst, args=(c,)) for c in contacts]
        for t in threads:
            t.start()
        time.sleep(2.0)
        self.kill(server)  # SIGKILL, mid-burst
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(len(acked), len(contacts), "every client had saves acknowledged")
        self.assertGreater(sum(v for v, _text in acked.values()), 5 * len(contacts))

        self.start_server()
        for public_id, (acked_version, acked_text) in acked.items():
            status, body = self.request("GET", f"/api/v1/contacts/{public_id}")
            self.assertEqual(status, 200)
            # At most one save can have committed after its acknowledgement was lost.
            self.assertIn(body["version"], (acked_version, acked_version + 1), public_id)
            if body["version"] == acked_version:
                self.assertEqual(body["problems"], acked_text, "the acknowledged save is there")
        out = self.manage("shell", "-c", CHECK_SCRIPT)
        report = json.loads(out.strip().splitlines()[-1])
        self.assertTrue(report["chain_ok"], report)
        for public_id in contacts:
            row = report["contacts"][public_id]
            self.assertEqual(
                row["updates"], row["version"] - 1, f"one audit event per committed save: {row}"
            )
            self.assertEqual(row["max_field_version"], row["version"], row)


CHECK_SCRIPT = """
import json
from xinyuan.audit.models import AuditEvent
from xinyuan.audit.sealing import seal_pending
from xinyuan.audit.verify import verify_chain
from xinyuan.hotline.models import Contact
contacts = {}
for c in Contact.objects.all():
    updates = AuditEvent.objects.filter(
        target_type="hotline.contact", target_id=c.public_id, action="update"
    ).count()
    contacts[str(c.public_id)] = {
        "version": c.version,
        "updates": updates,
        "max_field_version": max((c.field_versions or {}).values(), default=1),
    }
seal_pending()  # what the killed server committed is sealed now, then verified strictly
print(json.dumps({"chain_ok": verify_chain(strict=True).ok, "contacts": contacts}))
"""
