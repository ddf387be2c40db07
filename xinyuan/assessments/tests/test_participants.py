"""Campaign participants: a reference is scoped to its campaign, and a new participant is always
a new person (never someone else's record found by a label)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase, TransactionTestCase

from xinyuan.assessments.actions import do_add_participants, do_create_campaign
from xinyuan.assessments.models import Participant
from xinyuan.audit.triggers import lifted
from xinyuan.cases.models import Person
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.tests.factories import start_contact


class ParticipantTests(PersonaMixin, TestCase):
    def campaign(self, name="职工筛查", groups=()):
        return do_create_campaign(
            actor=self.p.director, name=name, scales=["phq9"], groups=list(groups),
            starts_on=date.today(), ends_on=date.today(), identified=True,
        )  # fmt: skip

    def test_two_campaigns_with_the_same_reference_get_two_persons(self):
        first, second = self.campaign("职工筛查"), self.campaign("学生筛查")
        (a,) = do_add_participants(actor=self.p.director, campaign=first, lines="E-001")
        (b,) = do_add_participants(actor=self.p.director, campaign=second, lines="E-001")
        self.assertEqual((a.reference, b.reference), ("E-001", "E-001"))
        self.assertNotEqual(a.person_id, b.person_id)

    def test_a_callers_person_is_never_reused(self):
        caller = start_contact(self.p.counsellor, caller_number="13800138000").person
        (participant,) = do_add_participants(
            actor=self.p.director, campaign=self.campaign(), lines=caller.label
        )
        self.assertNotEqual(participant.person_id, caller.pk)
        self.assertEqual(participant.reference, caller.label)
        self.assertFalse(caller.self_assessments.exists())

    def test_the_same_reference_again_in_a_campaign_adds_nobody(self):
        campaign = self.campaign()
        do_add_participants(actor=self.p.director, campaign=campaign, lines="E-001\nE-002")
        again = do_add_participants(actor=self.p.director, campaign=campaign, lines="E-002\nE-003")
        self.assertEqual([p.reference for p in again], ["E-003"])
        self.assertEqual(Participant.objects.filter(campaign=campaign).count(), 3)
        self.assertEqual(Person.objects.count(), 3)

    def test_a_reference_twice_in_one_list_is_refused_and_nothing_is_added(self):
        campaign = self.campaign(groups=["一班", "二班"])
        with self.assertRaises(ValidationError) as caught:
            do_add_participants(
                actor=self.p.director, campaign=campaign, lines="E-001, 一班\nE-001, 二班"
            )
        self.assertIn("E-001", " ".join(caught.exception.messages))
        self.assertFalse(Participant.objects.exists())

    def test_a_huge_list_is_refused(self):
        with self.assertRaises(ValidationError):
            do_add_participants(
                actor=self.p.director, campaign=self.campaign(), lines="E-1\n" * 10_000
            )
        self.assertFalse(Participant.objects.exists())

    def test_the_campaign_page_shows_the_reference(self):
        campaign = self.campaign()
        (participant,) = do_add_participants(
            actor=self.p.director, campaign=campaign, lines="工号-0042"
        )
        Person.objects.filter(pk=participant.person_id).update(label="X-000001")
        page = client_for(self.p.director).get(f"/assessments/campaigns/{campaign.public_id}/")
        self.assertContains(page, "工号-0042")


class ParticipantReferenceMigrationTests(TransactionTestCase):
    """Existing participants keep their persons; their reference is the person's label."""

    # The other apps stay at their newest migrations (their models as the code has them).
    def targets(self, executor, assessments: str) -> list[tuple[str, str]]:
        others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "assessments"]
        return [*others, ("assessments", assessments)]

    def _fixture_teardown(self):
        with lifted():  # the flush empties the append-only audit table too
            super()._fixture_teardown()

    def test_existing_participants_get_their_label_as_reference(self):
        executor = MigrationExecutor(connection)
        leaves = executor.loader.graph.leaf_nodes()
        self.addCleanup(lambda: MigrationExecutor(connection).migrate(leaves))
        before = self.targets(executor, "0002_consent_time")
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        org = old.get_model("accounts", "Organisation").objects.create(name="旧中心")
        user = old.get_model("accounts", "User").objects.create(username="d", organisation=org)
        person = old.get_model("cases", "Person").objects.create(organisation=org, label="T-01")
        campaign = old.get_model("assessments", "Campaign").objects.create(
            organisation=org, name="旧筛查", starts_on=date.today(), ends_on=date.today(),
            identified=True, slug="old", created_by=user,
        )  # fmt: skip
        old.get_model("assessments", "Participant").objects.create(
            campaign=campaign, person=person, token="tok"
        )
        executor = MigrationExecutor(connection)
        after = self.targets(executor, "0003_participant_reference")
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        participant = new.get_model("assessments", "Participant").objects.get(token="tok")
        self.assertEqual((participant.reference, participant.person_id), ("T-01", person.pk))
