"""The centre's seats in centre administration: added, renamed, retired, put back in use."""

from django.contrib.messages import get_messages
from django.test import TestCase

from xinyuan.accounts.models import Role
from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for, make_user
from xinyuan.hotline import selectors
from xinyuan.hotline.actions.seats import do_rename_seat, do_set_seat_in_use
from xinyuan.hotline.models import Seat
from xinyuan.hotline.tests.factories import start_contact

URL = "/centre/seats/"


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class SeatAdministrationTests(PersonaMixin, TestCase):
    def test_a_seat_is_added_and_audited(self):
        response = client_for(self.p.admin).post(URL, {"code": "A05"})
        self.assertRedirects(response, URL, fetch_redirect_response=False)
        seat = Seat.objects.get(organisation=self.p.org, code="A05")
        self.assertTrue(seat.is_active)
        self.assertTrue(
            AuditEvent.objects.filter(action="create", target_id=seat.public_id).exists()
        )
        self.assertContains(client_for(self.p.director).get(URL), "A05")

    def test_a_taken_or_empty_name_is_explained_in_chinese_and_kept(self):
        client = client_for(self.p.director)
        taken = client.post(URL, {"code": "A01"})
        self.assertContains(taken, "本中心已有名为 A01 的坐席", status_code=422)
        self.assertContains(taken, 'value="A01"', status_code=422)
        empty = client.post(URL, {"code": " "})
        self.assertEqual(empty.status_code, 422)
        self.assertEqual(Seat.objects.filter(organisation=self.p.org).count(), 1)

    def test_the_same_name_is_free_in_another_centre(self):
        other_director = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        client_for(other_director).post(URL, {"code": "A01"})
        self.assertTrue(Seat.objects.filter(organisation=self.p.other_org, code="A01").exists())

    def test_a_rename_is_saved_and_a_stale_one_refused(self):
        seat = self.p.seat
        seen = seat.updated_at.isoformat()
        client = client_for(self.p.admin)
        client.post(f"{URL}{seat.public_id}/", {"code": "B01", "seen_at": seen})
        seat.refresh_from_db()
        self.assertEqual(seat.code, "B01")
        stale = client.post(f"{URL}{seat.public_id}/", {"code": "C01", "seen_at": seen})
        self.assertIn("有人修改了该坐席", " ".join(texts(stale)))
        seat.refresh_from_db()
        self.assertEqual(seat.code, "B01")

    def test_a_retired_seat_takes_no_new_contact_and_stays_on_past_ones(self):
        contact = start_contact(self.p.counsellor, seat=self.p.seat)
        before = client_for(self.p.counsellor).get("/workstation/")
        self.assertContains(before, '<option value="A01"')
        response = client_for(self.p.director).post(
            f"{URL}{self.p.seat.public_id}/in-use/", {"in_use": "0"}
        )
        self.assertIn("已停用", " ".join(texts(response)))
        self.p.seat.refresh_from_db()
        self.assertFalse(self.p.seat.is_active)
        self.assertNotIn(self.p.seat, selectors.seats_for(self.p.counsellor))
        self.assertIsNone(selectors.seat_of(self.p.counsellor, "A01"))
        contact.refresh_from_db()
        self.assertEqual(contact.seat, self.p.seat)
        self.assertIn(self.p.seat, selectors.seats_shown_on(self.p.counsellor, contact))
        workstation = client_for(self.p.counsellor).get("/workstation/")
        self.assertNotContains(workstation, '<option value="A01"')
        page = client_for(self.p.counsellor).get(f"/contacts/{contact.public_id}/")
        self.assertContains(page, "A01")
        self.assertTrue(AuditEvent.objects.filter(action="retire").exists())
        do_set_seat_in_use(actor=self.p.admin, seat=self.p.seat, in_use=True)
        self.assertIn(self.p.seat, selectors.seats_for(self.p.counsellor))

    def test_other_roles_and_outsiders_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.outsider):
            client = client_for(user)
            self.assertEqual(client.get(URL).status_code, 403)
            self.assertEqual(client.post(URL, {"code": "Z9"}).status_code, 403)
        other_admin = make_user("other_admin", self.p.other_org, Role.ADMIN)
        response = client_for(other_admin).post(
            f"{URL}{self.p.seat.public_id}/in-use/", {"in_use": "0"}
        )
        self.assertEqual(response.status_code, 404)
        with self.assertRaises(PermissionDeniedError):  # the action refuses on its own too
            do_rename_seat(actor=other_admin, seat=self.p.seat, code="X", seen_at=None)
        self.p.seat.refresh_from_db()
        self.assertEqual((self.p.seat.code, self.p.seat.is_active), ("A01", True))

    def test_the_list_costs_the_same_with_more_seats(self):
        client = client_for(self.p.admin)
        client.get(URL)
        with self.assertNumQueries(4):
            client.get(URL)
        for n in range(5):
            Seat.objects.create(organisation=self.p.org, code=f"B0{n}")
        with self.assertNumQueries(4):
            response = client.get(URL)
        self.assertContains(response, "B04")
