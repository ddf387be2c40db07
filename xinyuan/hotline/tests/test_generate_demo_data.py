"""The bulk generator of synthetic contacts (manage.py generate_demo_data)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.test import TestCase
from django.utils import timezone

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import CallerIdentity, FollowUp, Person
from xinyuan.core.crypto import decrypt, keyed_hash
from xinyuan.hotline.management.commands.load_demo import DEMO_ORG, SECOND_ORG
from xinyuan.hotline.models import Contact, RiskAlert, RiskAssessment, SafetyPlan
from xinyuan.hotline.rules import RiskFactors, derive_risk_level

N = 300
SEED = 7
FACTOR_FIELDS = [f for f in RiskFactors.__dataclass_fields__]


def generate(seed: int = SEED, contacts: int = N) -> str:
    out = StringIO()
    call_command("generate_demo_data", contacts=contacts, seed=seed, stdout=out)
    return out.getvalue()


def signature(contacts) -> list[tuple]:
    return list(
        contacts.order_by("started_at", "id").values_list(
            "started_at",
            "contact_type",
            "risk_level",
            "channel",
            "counsellor__username",
            "organisation__name",
            "current_stage",
            "problems",
        )
    )


class GenerateDemoDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = generate()  # the demo organisations are missing: load_demo runs first

    def test_count_and_summary(self):
        self.assertEqual(Contact.objects.count(), N)
        self.assertIn(f"Generated {N:,} contacts", self.output)

    def test_spread_over_both_organisations_and_the_demo_counsellors(self):
        for org in (DEMO_ORG, SECOND_ORG):
            self.assertTrue(Contact.objects.filter(organisation__name=org).exists(), org)
        for username in ("counsellor1", "counsellor2"):
            self.assertTrue(Contact.objects.filter(counsellor__username=username).exists())
        mismatched = Contact.objects.exclude(organisation_id=F("counsellor__organisation_id"))
        self.assertFalse(mismatched.exists())
        linked = Contact.objects.filter(person__isnull=False)
        self.assertTrue(linked.exists())
        self.assertFalse(linked.exclude(identity__person_id=F("person_id")).exists())
        self.assertFalse(linked.exclude(person__organisation_id=F("organisation_id")).exists())

    def test_timestamps_are_in_the_past_three_years(self):
        now = timezone.now()
        self.assertFalse(Contact.objects.filter(started_at__gt=now).exists())
        self.assertFalse(Contact.objects.filter(ended_at__gt=now).exists())
        self.assertFalse(
            Contact.objects.filter(started_at__lt=now - timedelta(days=3 * 365 + 1)).exists()
        )
        general = [
            c.duration_seconds / 60
            for c in Contact.objects.filter(contact_type="general").only("started_at", "ended_at")
        ]
        self.assertTrue(30 <= statistics.median(general) <= 50)
        silent = [c.duration_seconds for c in Contact.objects.filter(contact_type="silent")]
        self.assertTrue(silent and max(silent) <= 3 * 60)

    def test_about_one_contact_in_twenty_is_high_risk_with_a_derived_assessment(self):
        high = Contact.objects.filter(risk_level__in=["high", "imminent"])
        self.assertAlmostEqual(high.count() / N, 0.05, delta=0.01)
        for contact in high:
            assessment = contact.assessments.get()
            factors = RiskFactors(**{name: getattr(assessment, name) for name in FACTOR_FIELDS})
            self.assertEqual(derive_risk_level(factors).level, assessment.derived_level)
            self.assertEqual(assessment.final_level, contact.risk_level)
        self.assertEqual(RiskAlert.objects.count(), high.count())
        self.assertEqual(SafetyPlan.objects.count(), high.count())
        lower = RiskAssessment.objects.filter(
            contact__isnull=False, final_level__in=["low", "moderate"]
        )
        self.assertTrue(lower.exists())

    def test_follow_ups_for_high_risk_contacts(self):
        high = Contact.objects.filter(risk_level__in=["high", "imminent"])
        follow_ups = FollowUp.objects.all()
        self.assertEqual(follow_ups.count(), high.count())
        self.assertEqual(set(follow_ups.values_list("contact_id", flat=True)), {c.pk for c in high})
        done = follow_ups.filter(status="done")
        self.assertGreater(done.count(), follow_ups.count() / 2)
        for follow_up in done:
            self.assertEqual(follow_up.assessments.count(), 1)

    def test_repeated_callers(self):
        repeated = Person.objects.filter(is_repeated_caller=True)
        self.assertTrue(repeated.exists())
        self.assertTrue(Contact.objects.filter(contact_type="repeated").exists())
        for person in repeated:
            self.assertTrue(person.management_rule)
            times = sorted(person.contacts.values_list("started_at", flat=True))
            in_a_week = max(
                sum(1 for t in times if start <= t < start + timedelta(days=7)) for start in times
            )
            self.assertGreater(in_a_week, 5)
        counted = Person.objects.annotate(n=Count("contacts"))
        self.assertTrue(all(p.n == p.contact_count and p.n > 0 for p in counted))

    def test_identities_are_keyed_hashes_and_ciphertexts(self):
        identity = CallerIdentity.objects.filter(kind="phone").first()
        number = decrypt(identity.encrypted_value)
        self.assertRegex(number, r"^138\d{8}$")
        self.assertEqual(identity.value_hash, keyed_hash("phone", number))
        self.assertNotIn(number, identity.encrypted_value)

    def test_no_audit_events_for_synthetic_rows(self):
        self.assertEqual(AuditEvent.objects.count(), 0)

    def test_same_seed_same_data_and_another_seed_differs(self):
        first = signature(Contact.objects.all())
        types = Counter(Contact.objects.values_list("contact_type", flat=True))
        for seed, same in ((SEED, True), (SEED + 1, False)):
            with transaction.atomic():
                last = Contact.objects.order_by("-id").values_list("id", flat=True)[0]
                generate(seed=seed)
                again = Contact.objects.filter(pk__gt=last)
                self.assertEqual(again.count(), N)
                self.assertEqual(signature(again) == first, same)
                if same:
                    self.assertEqual(Counter(again.values_list("contact_type", flat=True)), types)
                transaction.set_rollback(True)

    def test_contacts_are_numbered_per_centre_and_year_and_the_sequence_goes_on(self):
        from xinyuan.hotline.actions.contacts import next_contact_number
        from xinyuan.hotline.models import ContactSequence

        numbers = list(Contact.objects.values_list("organisation_id", "number"))
        self.assertEqual(len(set(numbers)), N, "unique within the centre")
        self.assertTrue(all(number for _org, number in numbers))
        for seq in ContactSequence.objects.all():
            mine = Contact.objects.filter(
                organisation_id=seq.organisation_id, number__startswith=f"{seq.year}-"
            )
            self.assertEqual(mine.count(), seq.last)
            # Numbered in time order: the first of the year is 000001.
            first = mine.order_by("started_at", "id").first()
            self.assertEqual(first.number, f"{seq.year}-000001")
        seq = ContactSequence.objects.order_by("-year").first()
        moment = (
            Contact.objects.filter(
                organisation_id=seq.organisation_id, number__startswith=f"{seq.year}-"
            )
            .latest("started_at")
            .started_at
        )
        self.assertEqual(
            next_contact_number(seq.organisation_id, moment), f"{seq.year}-{seq.last + 1:06d}"
        )

    def test_problems_are_coded_from_the_taxonomy_suicide_first_for_suicide_risk(self):
        from xinyuan.hotline import taxonomy

        known = taxonomy.vocabulary().by_code("problems")
        coded = Contact.objects.exclude(problem_codes=[])
        self.assertGreater(coded.count(), N // 3)
        for kind, codes, version in coded.values_list(
            "contact_type", "problem_codes", "codes_version"
        ):
            self.assertEqual(version, taxonomy.VERSION)
            self.assertTrue(set(codes) <= set(known), codes)
            self.assertEqual(len({c.split(".")[0] for c in codes}), len(codes), "one per category")
            if kind == "suicide_risk":
                self.assertEqual(codes[0].split(".")[0], "suicide")

    def test_if_empty_generates_nothing_more(self):
        out = StringIO()
        call_command("generate_demo_data", contacts=10, if_empty=True, stdout=out)
        self.assertEqual(Contact.objects.count(), N)
        self.assertIn("nothing generated", out.getvalue())
