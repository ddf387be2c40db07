from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone

from xinyuan.accounts.models import Organisation, Region, Role
from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.hotline.actions.break_glass import do_open_break_glass, do_review_break_glass
from xinyuan.hotline.models import BreakGlassAccess, Contact, Seat
from xinyuan.hotline.tests.factories import high_risk_contact

URL = "/contacts/break-glass/"
REASON = "来电者称昨天打过另一中心，目前有立即自杀风险"


class BreakGlassTests(PersonaMixin, TestCase):
    """A supervisor opens a record of another centre of the region in an emergency."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The outsider's centre is in the same region; its contact is "another centre's record".
        cls.foreign = high_risk_contact(cls.p.outsider, caller_number="13900001111")
        Contact.objects.filter(pk=cls.foreign.pk).update(
            seat=Seat.objects.create(organisation=cls.p.other_org, code="B07")
        )
        far_org = Organisation.objects.create(
            name="远方热线", region=Region.objects.create(name="远方市卫生健康委员会")
        )
        cls.far = high_risk_contact(
            make_user("far", far_org, Role.COUNSELLOR), caller_number="13900001111"
        )

    def detail(self, contact):
        return f"/contacts/{contact.public_id}/"

    def test_a_foreign_record_is_hidden_until_opened_with_a_reason(self):
        client = client_for(self.p.supervisor)
        self.assertEqual(client.get(self.detail(self.foreign)).status_code, 404)
        posted = client.post(URL, {"caller_number": "139 0000 1111", "reason": REASON})
        self.assertRedirects(posted, URL)
        response = client.get(URL)
        self.assertContains(response, "其他热线")
        self.assertEqual(BreakGlassAccess.objects.count(), 1, "a reload opens nothing twice")
        self.assertNotContains(response, "远方热线", msg_prefix="never across regions")
        self.assertNotContains(response, "13900001111", msg_prefix="the number is not shown")
        page = client.get(self.detail(self.foreign))
        self.assertContains(page, 'data-testid="break-glass-banner"')
        self.assertContains(page, REASON)
        self.assertContains(page, "B07", msg_prefix="the seat of the other centre is named")
        self.assertNotContains(page, "/reveal/", msg_prefix="no reveal of the number")
        self.assertNotContains(page, "/rule/", msg_prefix="no change of the management rule")
        save = client.post(f"{self.detail(self.foreign)}stages/1/", {"version": "1"})
        self.assertEqual(save.status_code, 403, "read-only: seen, but nothing can be changed")
        self.assertEqual(client.get(self.detail(self.far)).status_code, 404)

    def test_the_access_is_audited_in_the_records_centre_and_listed_for_review(self):
        client_for(self.p.supervisor).post(
            URL, {"reference": self.foreign.public_id, "reason": REASON}
        )
        event = AuditEvent.objects.get(action="break_glass")
        self.assertEqual(event.organisation_id, self.p.other_org.pk)
        self.assertEqual(event.reason, REASON)
        client_for(self.p.supervisor).get(self.detail(self.foreign))
        view = AuditEvent.objects.filter(action="view", target_id=self.foreign.public_id).last()
        self.assertEqual(view.reason, "break_glass")
        other_auditor = make_user("other_auditor", self.p.other_org, Role.AUDITOR)
        listing = client_for(other_auditor).get("/audit/break-glass/")
        self.assertContains(listing, REASON)
        self.assertContains(listing, "标记为已审核")
        own_auditor = client_for(self.p.auditor).get("/audit/break-glass/")
        self.assertNotContains(own_auditor, REASON, msg_prefix="only the record's centre reviews")

    def test_the_records_centre_reviews_once(self):
        (grant,) = do_open_break_glass(
            actor=self.p.supervisor, contacts=[self.foreign], reason=REASON
        )
        other_auditor = make_user("other_auditor", self.p.other_org, Role.AUDITOR)
        response = client_for(other_auditor).post(
            f"/audit/break-glass/{grant.public_id}/review/", {"note": "理由充分"}
        )
        self.assertRedirects(response, "/audit/break-glass/")
        grant.refresh_from_db()
        self.assertEqual((grant.reviewed_by, grant.review_note), (other_auditor, "理由充分"))
        with self.assertRaises(ValidationError):
            do_review_break_glass(actor=other_auditor, access=grant, note="again")
        with self.assertRaises(PermissionDeniedError):
            do_review_break_glass(actor=self.p.auditor, access=grant, note="not ours")

    def test_the_access_expires(self):
        (grant,) = do_open_break_glass(
            actor=self.p.supervisor, contacts=[self.foreign], reason=REASON
        )
        BreakGlassAccess.objects.filter(pk=grant.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        self.assertEqual(
            client_for(self.p.supervisor).get(self.detail(self.foreign)).status_code, 404
        )

    def test_a_short_reason_is_refused_and_what_was_entered_is_kept(self):
        response = client_for(self.p.supervisor).post(
            URL, {"caller_number": "13900001111", "reason": "急"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "至少 10 个字", status_code=422)
        self.assertContains(response, 'value="13900001111"', status_code=422)
        self.assertFalse(BreakGlassAccess.objects.exists())

    def test_nothing_found_says_so(self):
        response = client_for(self.p.supervisor).post(
            URL, {"caller_number": "13700000000", "reason": REASON}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "没有匹配", status_code=422)

    def test_only_supervisors_may_break_glass_and_never_into_their_own_centre(self):
        own = high_risk_contact(self.p.counsellor)
        with self.assertRaises(PermissionDeniedError):
            do_open_break_glass(actor=self.p.supervisor, contacts=[own], reason=REASON)
        with self.assertRaises(PermissionDeniedError):
            do_open_break_glass(actor=self.p.supervisor, contacts=[self.far], reason=REASON)
        for user in (self.p.counsellor, self.p.director, self.p.auditor, self.p.officer):
            self.assertEqual(client_for(user).get(URL).status_code, 403, user.username)
