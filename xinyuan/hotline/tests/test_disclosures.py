from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.actions.disclosures import do_record_disclosure
from xinyuan.hotline.models import Disclosure
from xinyuan.hotline.tests.factories import high_risk_contact


class DisclosureTests(PersonaMixin, TestCase):
    """HL-10/HL-11: what left the centre, to whom, when and why, through the audit trail."""

    def setUp(self):
        self.contact = high_risk_contact(self.p.counsellor)
        self.url = f"/contacts/{self.contact.public_id}/disclosures/"

    def test_a_counsellor_records_a_report_to_the_police(self):
        response = client_for(self.p.counsellor).post(
            self.url,
            {
                "kind": "public_safety",
                "disclosed_to": "110指挥中心",
                "reason": "来电者称要伤害他人",
            },
        )
        self.assertRedirects(response, f"/contacts/{self.contact.public_id}/#disclosures")
        page = client_for(self.p.counsellor).get(f"/contacts/{self.contact.public_id}/")
        self.assertContains(page, "110指挥中心")
        self.assertContains(page, "来电者称要伤害他人")
        event = AuditEvent.objects.get(action="disclose")
        self.assertEqual(event.opened_reason(), "来电者称要伤害他人")
        audit_page = client_for(self.p.auditor).get("/audit/", {"action": "disclose"})
        self.assertContains(
            audit_page, "披露或上报", msg_prefix="the auditor sees that it happened"
        )
        self.assertContains(audit_page, "告知/上报对象", msg_prefix="and the fields recorded")
        self.assertNotContains(audit_page, "来电者称要伤害他人", msg_prefix="but no clinical text")

    def test_bad_input_is_explained_and_kept(self):
        response = client_for(self.p.counsellor).post(
            self.url, {"kind": "public_safety", "disclosed_to": "", "reason": "有危险的理由"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "有危险的理由", status_code=422)
        self.assertFalse(Disclosure.objects.exists())

    def test_a_time_in_the_future_is_refused(self):
        with self.assertRaises(ValidationError):
            do_record_disclosure(
                actor=self.p.counsellor,
                contact=self.contact,
                kind="danger_to_self",
                disclosed_to="家属",
                reason="极高风险，通知家属",
                disclosed_at=timezone.now() + timedelta(hours=1),
            )

    def test_only_the_contacts_counsellor_or_the_centres_leads_may_record(self):
        do_record_disclosure(
            actor=self.p.director,
            contact=self.contact,
            kind="danger_to_self",
            disclosed_to="家属",
            reason="极高风险，通知家属",
        )
        for user in (self.p.counsellor_b, self.p.outsider_supervisor, self.p.auditor):
            with self.assertRaises(PermissionDeniedError):
                do_record_disclosure(
                    actor=user,
                    contact=self.contact,
                    kind="danger_to_self",
                    disclosed_to="家属",
                    reason="极高风险，通知家属",
                )
        self.assertEqual(client_for(self.p.counsellor_b).post(self.url, {}).status_code, 404)
