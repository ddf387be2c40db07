"""A query compiled once (core/compiled.py) returns what the ORM returns, for every scope."""

import uuid

from django.core.exceptions import ValidationError
from django.test import TestCase

from xinyuan.core.compiled import CompiledQuery
from xinyuan.core.testing import PersonaMixin
from xinyuan.hotline import selectors
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import start_contact


def loaded(contact):
    """Everything the instance holds: its own fields and those of the related objects."""
    if contact is None:
        return None
    related = {}
    for name in ("counsellor", "seat", "person"):
        obj = getattr(contact, name)
        related[name] = obj and {k: v for k, v in vars(obj).items() if k != "_state"}
    own = {k: v for k, v in vars(contact).items() if k != "_state"}
    return own, related, contact.get_deferred_fields(), contact.counsellor.get_deferred_fields()


class CompiledContactLookupTests(PersonaMixin, TestCase):
    def setUp(self):
        self.mine = start_contact(self.p.counsellor, caller_number="13800000001")
        self.colleagues = start_contact(self.p.counsellor_b)  # no caller: no person
        self.elsewhere = start_contact(self.p.outsider)

    def test_every_persona_and_record_gives_what_the_orm_gives(self):
        users = [
            self.p.counsellor,
            self.p.counsellor_b,
            self.p.supervisor,
            self.p.director,
            self.p.auditor,
            self.p.outsider,
            self.p.officer,
        ]
        checked = 0
        for user in users:
            for contact in (self.mine, self.colleagues, self.elsewhere):
                with self.subTest(user=user.username, contact=contact.counsellor.username):
                    expected = (
                        selectors.contacts_visible_to(user)
                        .filter(public_id=contact.public_id)
                        .first()
                    )
                    with self.assertNumQueries(1 if selectors._contact_scope(user) else 0):
                        got = selectors.contact_visible_to(user, contact.public_id)
                    self.assertEqual(loaded(got), loaded(expected))
                    checked += expected is not None
        self.assertGreaterEqual(checked, 7, "the table must include records that are seen")

    def test_a_public_id_given_as_text_is_found_and_a_wrong_one_refused(self):
        found = selectors.contact_visible_to(self.p.counsellor, str(self.mine.public_id))
        self.assertEqual(found.pk, self.mine.pk)
        self.assertIsNone(selectors.contact_visible_to(self.p.counsellor, uuid.uuid4()))
        with self.assertRaises(ValidationError):
            selectors.contact_visible_to(self.p.counsellor, "not-a-uuid")

    def test_a_value_the_build_computes_itself_refuses_to_compile_a_constant_is_kept(self):
        from django.utils import timezone

        moving = CompiledQuery(
            Contact,
            lambda shape, v: Contact.objects.filter(pk=v["pk"], started_at__lte=timezone.now()),
            {"pk": int},
        )
        with self.assertRaisesMessage(ValueError, "without a sentinel"):
            moving.fetch("any", {"pk": self.mine.pk})
        constant = CompiledQuery(
            Contact,
            lambda shape, v: Contact.objects.filter(pk=v["pk"], channel="phone"),
            {"pk": int},
        )
        self.assertEqual(
            [c.pk for c in constant.fetch("any", {"pk": self.mine.pk})], [self.mine.pk]
        )
        self.assertEqual(constant.fetch("any", {"pk": self.colleagues.pk + 1000}), [])

    def test_an_annotated_queryset_is_refused(self):
        from django.db.models import Value

        lookup = CompiledQuery(
            Contact,
            lambda shape, v: Contact.objects.filter(pk=v["pk"]).annotate(x=Value(1)),
            {"pk": int},
        )
        with self.assertRaisesMessage(ValueError, "plain model querysets"):
            lookup.fetch("any", {"pk": self.mine.pk})

    def test_rows_of_an_aggregate_union_are_what_the_orm_returns(self):
        from django.db.models import CharField, Count, Max, Value

        def build(shape, v):
            def part(kind, channel):
                return (
                    Contact.objects.filter(organisation_id=v["org"], channel=channel)
                    .order_by()
                    .values("organisation_id")
                    .annotate(
                        kind=Value(kind, output_field=CharField()),
                        n=Count("id"),
                        last=Max("started_at"),
                    )
                    .values_list("kind", "n", "last")
                )

            return part("phone", "phone").union(part("chat", "chat"), all=True)

        union = CompiledQuery(Contact, build, {"org": int})
        for org in (self.p.org, self.p.other_org):
            expected = sorted(build(None, {"org": org.pk}))
            self.assertEqual(sorted(union.rows(None, {"org": org.pk})), expected)
        self.assertTrue(expected, "the table must hold rows")


class CompiledSeatAndIdentityTests(PersonaMixin, TestCase):
    def test_a_seat_is_found_by_code_in_the_readers_centre_only(self):
        from xinyuan.hotline.models import Seat

        other = Seat.objects.create(organisation=self.p.other_org, code="B01")
        self.assertEqual(selectors.seat_of(self.p.counsellor, "A01"), self.p.seat)
        self.assertIsNone(selectors.seat_of(self.p.counsellor, "B01"))
        self.assertEqual(selectors.seat_of(self.p.outsider, "B01"), other)
        self.assertIsNone(selectors.seat_of(self.p.officer, "A01"))

    def test_an_api_start_with_another_centres_seat_is_not_found(self):
        from xinyuan.hotline.models import Seat

        Seat.objects.create(organisation=self.p.other_org, code="B01")
        from xinyuan.accounts.actions import do_issue_api_token

        _token, clear = do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="t"
        )
        response = self.client.post(
            "/api/v1/contacts",
            {"channel": "phone", "seat": "B01"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {clear}"},
        )
        self.assertEqual(response.status_code, 404)

    def test_the_caller_is_found_under_the_current_and_a_retired_key(self):
        from django.test import override_settings

        from xinyuan.cases.actions import find_identity

        contact = start_contact(self.p.counsellor, caller_number="13800000009")
        args = {"organisation_id": self.p.org.pk, "kind": "phone", "normalised": "13800000009"}
        self.assertEqual(find_identity(**args), contact.identity)
        self.assertIsNone(find_identity(**{**args, "normalised": "13800000008"}))
        self.assertIsNone(find_identity(**{**args, "organisation_id": self.p.other_org.pk}))
        with override_settings(IDENTITY_HMAC_OLD_KEYS=["an-old-key-" + "x" * 40]):
            self.assertEqual(find_identity(**args), contact.identity)  # two hashes: a new shape
