"""The access layer, as a table: every persona × the record's situation → every decision.

Fast (no HTTP): ``access_contact`` and friends are called directly. The HTTP access matrix
(core/tests/test_access_matrix.py) stays the outer net.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinyuan.accounts.models import Role
from xinyuan.assessments import actions as assessment_actions
from xinyuan.assessments.access import access_archive, access_campaign, access_task
from xinyuan.cases.access import access_person
from xinyuan.core.testing import make_personas, make_user
from xinyuan.hotline import actions
from xinyuan.hotline.access import access_contact, access_follow_up
from xinyuan.hotline.actions.break_glass import do_open_break_glass
from xinyuan.hotline.actions.notes import do_reveal_notes
from xinyuan.hotline.models import Contact
from xinyuan.hotline.tests.factories import high_risk_contact

NOT_FOUND = "404"
DECISIONS = (
    "can_edit",
    "can_read_notes",
    "can_reveal_notes",
    "can_disclose",
    "can_hold",
    "can_reveal_identity",
    "can_set_management_rule",
    "can_see_archive",
    "can_handle_data_requests",
    "can_give_scale",
    "can_take_follow_ups",
    "can_set_caller_note",
)


def expect(*granted: str) -> dict[str, bool]:
    unknown = set(granted) - set(DECISIONS)
    assert not unknown, unknown
    return {name: name in granted for name in DECISIONS}


# Who, looking at the counsellor's high-risk contact of a known caller → what they may do.
CONTACT_TABLE = {
    "counsellor (its author)": expect(
        "can_edit",
        "can_read_notes",
        "can_disclose",
        "can_set_management_rule",
        "can_give_scale",
        "can_take_follow_ups",
    ),
    "colleague counsellor": NOT_FOUND,
    "supervisor": expect(
        "can_edit",
        "can_read_notes",
        "can_disclose",
        "can_reveal_identity",
        "can_set_management_rule",
        "can_see_archive",
        "can_give_scale",
        "can_take_follow_ups",
        "can_set_caller_note",
    ),
    "director": expect(
        "can_reveal_notes",
        "can_disclose",
        "can_hold",
        "can_reveal_identity",
        "can_set_management_rule",
        "can_see_archive",
        "can_handle_data_requests",
        "can_set_caller_note",
    ),
    "director after stating why": expect(
        "can_read_notes",
        "can_reveal_notes",
        "can_disclose",
        "can_hold",
        "can_reveal_identity",
        "can_set_management_rule",
        "can_see_archive",
        "can_handle_data_requests",
        "can_set_caller_note",
    ),
    "auditor": NOT_FOUND,
    "administrator": NOT_FOUND,
    "health-commission officer": NOT_FOUND,
    "counsellor of another centre": NOT_FOUND,
    "supervisor of another centre": NOT_FOUND,
    "supervisor of another centre, emergency access": expect("can_read_notes"),
}


class ContactAccessTableTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        cls.contact = high_risk_contact(p.counsellor, caller_number="13800138000")
        cls.grantee = make_user("grantee", p.other_org, Role.SUPERVISOR)
        do_open_break_glass(
            actor=cls.grantee, contacts=[cls.contact], reason="来电者有极高风险，需了解既往情况"
        )
        cls.revealing = make_user("revealing_director", p.org, Role.DIRECTOR)
        do_reveal_notes(actor=cls.revealing, contact=cls.contact, reason="处理家属投诉，需核实记录")
        cls.personas = {
            "counsellor (its author)": p.counsellor,
            "colleague counsellor": p.counsellor_b,
            "supervisor": p.supervisor,
            "director": p.director,
            "director after stating why": cls.revealing,
            "auditor": p.auditor,
            "administrator": p.admin,
            "health-commission officer": p.officer,
            "counsellor of another centre": p.outsider,
            "supervisor of another centre": p.outsider_supervisor,
            "supervisor of another centre, emergency access": cls.grantee,
        }

    def test_every_persona_gets_exactly_the_decisions_of_the_table(self):
        for who, expected in CONTACT_TABLE.items():
            user = self.personas[who]
            with self.subTest(who=who):
                if expected == NOT_FOUND:
                    with self.assertRaises(Http404):
                        access_contact(user, self.contact.public_id)
                    continue
                access = access_contact(user, self.contact.public_id)
                got = {name: getattr(access, name) for name in DECISIONS}
                self.assertEqual(got, expected)

    def test_edit_is_refused_with_403_to_those_who_may_only_read(self):
        for who, expected in CONTACT_TABLE.items():
            if expected == NOT_FOUND or expected["can_edit"]:
                continue
            with self.subTest(who=who), self.assertRaises(PermissionDenied):
                access_contact(self.personas[who], self.contact.public_id, edit=True)

    def test_an_anonymised_record_can_no_longer_be_changed_or_held(self):
        Contact.objects.filter(pk=self.contact.pk).update(anonymised_at=timezone.now())
        supervisor = access_contact(self.p.supervisor, self.contact.public_id)
        director = access_contact(self.p.director, self.contact.public_id)
        self.assertFalse(supervisor.can_edit)
        self.assertFalse(director.can_hold)
        self.assertTrue(supervisor.can_read_notes, "still readable")

    def test_an_expired_emergency_access_is_gone(self):
        from xinyuan.hotline.models import BreakGlassAccess

        BreakGlassAccess.objects.update(expires_at=timezone.now())
        with self.assertRaises(Http404):
            access_contact(self.grantee, self.contact.public_id)

    def test_an_id_that_is_not_a_uuid_is_not_found(self):
        with self.assertRaises(Http404):
            access_contact(self.p.supervisor, "not-a-uuid")

    def test_the_lookup_costs_one_query_and_a_director_one_more(self):
        with CaptureQueriesContext(connection) as counsellor:
            access_contact(self.p.counsellor, self.contact.public_id)
        with CaptureQueriesContext(connection) as director:
            access_contact(self.p.director, self.contact.public_id)
        self.assertEqual(len(counsellor), 1, [q["sql"] for q in counsellor])
        self.assertEqual(len(director), 2, "the director's reveal is looked up")

    def test_actions_apply_the_same_decisions(self):
        """An action called directly (not through a page) refuses what the table refuses."""
        from xinyuan.core.errors import PermissionDeniedError

        for who in ("director", "colleague counsellor", "counsellor of another centre"):
            with self.subTest(who=who), self.assertRaises(PermissionDeniedError):
                actions.do_update_contact(
                    actor=self.personas[who],
                    contact=self.contact,
                    version=self.contact.version,
                    changes={"purpose": "x"},
                )


class PersonAndFollowUpAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        cls.contact = high_risk_contact(p.counsellor, caller_number="13800138001")
        cls.person = cls.contact.person
        cls.follow_up = actions.do_book_follow_up(
            actor=p.counsellor, contact=cls.contact, consent_given=True
        )

    def test_a_counsellor_sets_the_rule_of_callers_they_handled_only(self):
        self.assertTrue(
            access_person(self.p.counsellor, self.person.public_id).can_set_management_rule
        )
        self.assertFalse(
            access_person(self.p.counsellor_b, self.person.public_id).can_set_management_rule
        )
        with self.assertRaises(PermissionDenied):
            access_person(
                self.p.counsellor_b, self.person.public_id, require="can_set_management_rule"
            )

    def test_the_number_is_revealed_to_those_who_call_back(self):
        table = {
            self.p.counsellor: True,  # the follow-up is theirs
            self.p.counsellor_b: False,
            self.p.supervisor: True,
            self.p.director: True,
        }
        for user, allowed in table.items():
            with self.subTest(user=user.username):
                access = access_person(user, self.person.public_id)
                self.assertEqual(access.can_reveal_identity, allowed)

    def test_persons_of_another_centre_and_roles_without_records_are_not_found(self):
        for user in (self.p.outsider, self.p.outsider_supervisor, self.p.auditor, self.p.admin):
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access_person(user, self.person.public_id)

    def test_a_follow_up_is_recorded_by_its_counsellor_or_a_supervisor(self):
        table = {
            self.p.counsellor: (True, True),
            self.p.supervisor: (True, True),
            self.p.director: (True, False),
        }
        for user, (seen, records) in table.items():
            with self.subTest(user=user.username):
                access = access_follow_up(user, self.follow_up.public_id)
                self.assertEqual((access.can_view, access.can_record), (seen, records))
        for user in (self.p.counsellor_b, self.p.outsider, self.p.auditor):
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access_follow_up(user, self.follow_up.public_id)
        with self.assertRaises(PermissionDenied):
            access_follow_up(self.p.director, self.follow_up.public_id, record=True)

    def test_the_follow_up_shows_notes_by_the_contacts_rule(self):
        self.assertTrue(
            access_follow_up(self.p.counsellor, self.follow_up.public_id).can_read_notes
        )
        self.assertFalse(access_follow_up(self.p.director, self.follow_up.public_id).can_read_notes)


class SelfAssessmentAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        result, _created = assessment_actions.do_submit(
            scale_code="phq9",
            answers=[0] * 8 + [2],
            organisation=p.org,
            submission_key="access-table",
            language="zh-hans",
        )
        cls.task = result.tasks.get()
        cls.campaign = assessment_actions.do_create_campaign(
            actor=p.director,
            name="春季筛查",
            scales=["phq9"],
            groups=[],
            starts_on=date.today(),
            ends_on=date.today(),
            identified=False,
        )
        cls.person = high_risk_contact(p.counsellor, caller_number="13800138002").person

    def test_tasks_are_worked_by_counsellors_and_supervisors_of_the_centre(self):
        for user in (self.p.counsellor, self.p.supervisor):
            self.assertTrue(access_task(user, self.task.public_id).can_work)
        for user in (self.p.director, self.p.auditor, self.p.outsider, self.p.outsider_supervisor):
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access_task(user, self.task.public_id)

    def test_campaigns_are_managed_by_supervisors_and_directors_of_the_centre(self):
        for user in (self.p.supervisor, self.p.director):
            access = access_campaign(user, self.campaign.public_id)
            self.assertTrue(access.can_manage and access.can_see_results)
        for user in (self.p.counsellor, self.p.auditor, self.p.outsider_supervisor):
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access_campaign(user, self.campaign.public_id)

    def test_an_archive_is_seen_by_supervisors_and_directors_of_the_centre(self):
        for user in (self.p.supervisor, self.p.director):
            self.assertTrue(access_archive(user, self.person.public_id).can_export)
        for user in (self.p.counsellor, self.p.auditor, self.p.outsider_supervisor):
            with self.subTest(user=user.username), self.assertRaises(Http404):
                access_archive(user, self.person.public_id)
