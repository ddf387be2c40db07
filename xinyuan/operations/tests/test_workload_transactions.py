"""The limits action at the request boundary, as gunicorn runs it (no test transaction)."""

from django.urls import reverse

from xinyuan.audit.models import AuditEvent
from xinyuan.core.testing import ProductionTransactionTestCase, client_for, make_personas
from xinyuan.operations.models import WorkloadLimits

LIMITS_URL = reverse("operations:workload-limits")
VALID = {
    "max_hours_per_week": "37.5",
    "max_night_shifts_per_week": "1",
    "min_rest_hours": "12",
    "max_high_risk_contacts_per_week": "6",
}


class WorkloadLimitsTransactionTests(ProductionTransactionTestCase):
    def test_saved_limits_commit_with_their_audit_event_and_refused_ones_leave_nothing(self):
        p = make_personas()
        client = client_for(p.director)
        refused = client.post(LIMITS_URL, {**VALID, "max_hours_per_week": "-1"})
        self.assertEqual(refused.status_code, 422)
        self.assertFalse(WorkloadLimits.objects.exists())
        self.assertFalse(
            AuditEvent.objects.filter(target_type="operations.workloadlimits").exists()
        )

        self.assertEqual(client.post(LIMITS_URL, VALID).status_code, 302)
        limits = WorkloadLimits.objects.get(organisation=p.org)
        self.assertEqual(str(limits.max_hours_per_week), "37.5")
        self.assertEqual(
            AuditEvent.objects.filter(
                target_type="operations.workloadlimits", target_id=limits.public_id
            ).count(),
            1,
        )

        self.assertEqual(client.post(LIMITS_URL, {**VALID, "min_rest_hours": "8"}).status_code, 302)
        limits.refresh_from_db()
        self.assertEqual(str(limits.min_rest_hours), "8.0")
        actions = list(
            AuditEvent.objects.filter(target_type="operations.workloadlimits")
            .order_by("id")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["create", "update"])
