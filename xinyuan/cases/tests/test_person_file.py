"""The person's file (CM-01), referrals (CM-05) and high-risk reports (CM-06): actions, pages,
API, scoping, audit and the timeline's paging."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from xinyuan.audit.models import AuditEvent
from xinyuan.cases import selectors, timeline
from xinyuan.cases.actions import files as file_actions
from xinyuan.cases.models import CaseStatus, FileEntry, Person, Referral
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import (
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
)
from xinyuan.directory.models import Institution
from xinyuan.hotline.actions import do_start_contact
from xinyuan.hotline.actions.person_files import do_link_contact_to_file, do_open_file_from_contact
from xinyuan.hotline.models import Contact


def start(actor, number="13800001111", **kwargs) -> Contact:
    return do_start_contact(actor=actor, channel="phone", caller_number=number, **kwargs)


def institution(org, **overrides) -> Institution:
    data = {
        "organisation": org,
        "name": "市精神卫生中心",
        "kind": "psychiatric_hospital",
        "phone": "010-82000001",
        "green_channel": True,
    }
    return Institution.objects.create(**{**data, **overrides})


class OpenFileTests(PersonaMixin, TestCase):
    def test_open_from_contact_keeps_the_caller_and_assigns_the_opener(self):
        contact = start(self.p.counsellor)
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        self.assertEqual(person.pk, contact.person_id)
        self.assertEqual(person.case_status, CaseStatus.OPEN)
        self.assertEqual(person.assigned_to, self.p.counsellor)
        self.assertTrue(
            AuditEvent.objects.filter(action="update", target_id=person.public_id).exists()
        )
        # Opening again changes nothing.
        again = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        self.assertEqual(again.file_version, person.file_version)

    def test_contact_without_number_gets_a_person(self):
        contact = do_start_contact(actor=self.p.counsellor, channel="walk_in")
        self.assertIsNone(contact.person_id)
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        contact.refresh_from_db()
        self.assertEqual(contact.person_id, person.pk)
        self.assertEqual(person.contact_count, 1)

    def test_a_colleagues_contact_or_another_centre_cannot_open(self):
        contact = start(self.p.counsellor)
        for actor in (self.p.counsellor_b, self.p.outsider, self.p.director, self.p.auditor):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDeniedError):
                do_open_file_from_contact(actor=actor, contact=contact)

    def test_link_a_walk_in_to_an_existing_file(self):
        person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )
        walk_in = do_start_contact(actor=self.p.counsellor, channel="walk_in")
        do_link_contact_to_file(actor=self.p.counsellor, contact=walk_in, person=person)
        walk_in.refresh_from_db()
        self.assertEqual(walk_in.person_id, person.pk)
        # A contact of another caller is refused: that is a merge.
        other = start(self.p.counsellor, number="13900002222")
        with self.assertRaises(ValidationError) as caught:
            do_link_contact_to_file(actor=self.p.counsellor, contact=other, person=person)
        self.assertIn("person", caught.exception.message_dict)


class FileWritesTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start(self.p.counsellor)
        self.person = do_open_file_from_contact(actor=self.p.counsellor, contact=self.contact)

    def test_basic_information_is_saved_and_secrets_encrypted(self):
        file_actions.do_update_file(
            actor=self.p.counsellor,
            person=self.person,
            data={
                "alias": "小王",
                "name": "王 小明",
                "gender": "male",
                "birth_year": "2010",
                "street": "西长安街街道",
                "community": "府右街社区",
                "contact_details": "13911112222",
                "guardian_relation": "母亲",
                "guardian": "李女士 13733334444",
                "population_categories": ["students", "children_in_distress"],
            },
            version=self.person.file_version,
        )
        stored = Person.objects.get(pk=self.person.pk)
        self.assertEqual(stored.birth_year, 2010)
        self.assertNotIn("1391111", stored.contact_details_encrypted)
        self.assertNotIn("王", stored.name_encrypted)
        self.assertEqual(file_actions.person_name(stored), "王 小明")
        # Stored in the order of the list, whatever order they were ticked in.
        self.assertEqual(stored.population_categories, ["children_in_distress", "students"])
        self.assertTrue(FileEntry.objects.filter(person=stored, kind="categories").exists())
        revealed = file_actions.do_reveal_file_details(
            actor=self.p.counsellor, person=stored, reason="回访联系"
        )
        self.assertEqual(revealed["contact_details"], "13911112222")
        event = AuditEvent.objects.filter(action="reveal", target_id=stored.public_id).get()
        self.assertEqual(event.reason, "回访联系")

    def test_bad_input_names_every_field(self):
        with translation.override("zh-hans"), self.assertRaises(ValidationError) as caught:
            file_actions.do_update_file(
                actor=self.p.counsellor,
                person=self.person,
                data={
                    "birth_year": str(timezone.localdate().year + 1),
                    "population_categories": ["x"],
                },
                version=self.person.file_version,
            )
        errors = caught.exception.message_dict
        self.assertIn("出生年份不能晚于今年", " ".join(errors["birth_year"]))
        self.assertIn("population_categories", errors)

    def test_stale_version_is_refused(self):
        version = self.person.file_version
        file_actions.do_set_intervention_level(
            actor=self.p.counsellor, person=self.person, level=1, reason="", version=version
        )
        with self.assertRaises(ConflictError):
            file_actions.do_set_intervention_level(
                actor=self.p.counsellor, person=self.person, level=2, reason="", version=version
            )

    def test_level_history_and_status_flow(self):
        p = self.person
        file_actions.do_set_intervention_level(
            actor=self.p.counsellor, person=p, level=2, reason="居家隔离", version=p.file_version
        )
        file_actions.do_set_intervention_level(
            actor=self.p.supervisor, person=p, level=1, reason="评估后", version=p.file_version
        )
        history = list(FileEntry.objects.filter(person=p, kind="level").order_by("at", "pk"))
        self.assertEqual(
            [(e.level, e.by_id) for e in history],
            [(2, self.p.counsellor.pk), (1, self.p.supervisor.pk)],
        )
        file_actions.do_change_case_status(
            actor=self.p.counsellor, person=p, status="active", reason="", version=p.file_version
        )
        with self.assertRaises(ValidationError) as caught:  # closing needs a reason
            file_actions.do_change_case_status(
                actor=self.p.counsellor,
                person=p,
                status="closed",
                reason="",
                version=p.file_version,
            )
        self.assertIn("reason", caught.exception.message_dict)
        file_actions.do_change_case_status(
            actor=self.p.counsellor,
            person=p,
            status="closed",
            reason="好转",
            version=p.file_version,
        )
        with self.assertRaises(ValidationError):  # closed → active is not a move
            file_actions.do_change_case_status(
                actor=self.p.counsellor,
                person=p,
                status="active",
                reason="",
                version=p.file_version,
            )
        file_actions.do_change_case_status(
            actor=self.p.counsellor,
            person=p,
            status="reopened",
            reason="再次来电",
            version=p.file_version,
        )
        self.assertEqual(Person.objects.get(pk=p.pk).case_status, "reopened")

    def test_assignment_is_for_supervisors_and_only_to_active_staff(self):
        p = self.person
        with self.assertRaises(PermissionDeniedError):
            file_actions.do_assign_file(
                actor=self.p.counsellor,
                person=p,
                worker=self.p.counsellor_b,
                version=p.file_version,
            )
        file_actions.do_assign_file(
            actor=self.p.supervisor, person=p, worker=self.p.counsellor_b, version=p.file_version
        )
        self.assertEqual(Person.objects.get(pk=p.pk).assigned_to, self.p.counsellor_b)
        for wrong in (self.p.outsider, self.p.director):
            with self.subTest(wrong=wrong.username), self.assertRaises(ValidationError):
                file_actions.do_assign_file(
                    actor=self.p.supervisor, person=p, worker=wrong, version=p.file_version
                )

    def test_referral_walk_and_refusals(self):
        active = institution(self.p.org)
        inactive = institution(self.p.org, name="旧门诊", active=False)
        elsewhere = institution(self.p.other_org, name="外中心医院")
        data = {"reason": "需药物评估", "urgency": "urgent", "consent_basis": "consented"}
        for wrong in (inactive, elsewhere, None):
            with self.subTest(wrong=wrong), self.assertRaises(ValidationError) as caught:
                file_actions.do_create_referral(
                    actor=self.p.counsellor, person=self.person, institution=wrong, data=data
                )
            self.assertIn("institution", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            file_actions.do_create_referral(
                actor=self.p.counsellor,
                person=self.person,
                institution=active,
                data={**data, "consent_basis": "exception"},
            )
        self.assertIn("exception_reason", caught.exception.message_dict)
        referral = file_actions.do_create_referral(
            actor=self.p.counsellor,
            person=self.person,
            institution=active,
            data={**data, "green_channel": True, "continuity_info": "舍曲林 50mg qd"},
        )
        self.assertTrue(referral.green_channel)
        with self.assertRaises(ValidationError):  # sent → seen skips acceptance
            file_actions.do_update_referral(
                actor=self.p.counsellor, referral=referral, status="seen", version=referral.version
            )
        referral = file_actions.do_update_referral(
            actor=self.p.counsellor, referral=referral, status="accepted", version=1
        )
        with self.assertRaises(ConflictError):
            file_actions.do_update_referral(
                actor=self.p.counsellor, referral=referral, status="seen", version=1
            )
        referral = file_actions.do_update_referral(
            actor=self.p.counsellor, referral=referral, status="seen", version=2, outcome="已就诊"
        )
        self.assertIsNotNone(referral.seen_at)
        self.assertEqual(referral.outcome, "已就诊")

    def test_community_report(self):
        report = file_actions.do_file_community_report(
            actor=self.p.counsellor,
            person=self.person,
            data={
                "risk": "自杀风险高",
                "street_contact": "西长安街街道 张主任",
                "method": "phone",
                "family_given_emergency_number": True,
            },
        )
        self.assertEqual(selectors.open_community_reports(self.person), [report])
        file_actions.do_acknowledge_community_report(
            actor=self.p.counsellor, report=report, by_name="张主任"
        )
        file_actions.do_close_community_report(
            actor=self.p.counsellor, report=report, note="已转诊住院"
        )
        self.assertEqual(selectors.open_community_reports(self.person), [])


class TimelineTests(PersonaMixin, TestCase):
    def test_pages_neither_skip_nor_repeat_items_sharing_a_time(self):
        contact = start(self.p.counsellor)
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        at = timezone.now() - timedelta(hours=1)
        for i in range(7):
            FileEntry.objects.create(
                organisation=self.p.org,
                person=person,
                kind="note",
                text=f"n{i}",
                by=self.p.counsellor,
                at=at,
            )
        seen = []
        cursor = None
        while True:
            items, cursor = timeline.timeline(self.p.counsellor, person, before=cursor, limit=3)
            seen.extend((i.kind, i.pk) for i in items)
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)))
        # 7 notes, the opening entry, the contact.
        self.assertEqual(len(seen), 9)
        kinds = {k for k, _pk in seen}
        self.assertEqual(kinds, {"file", "contact"})
        only, _next = timeline.timeline(self.p.counsellor, person, only=["contact"])
        self.assertEqual([i.kind for i in only], ["contact"])


class FilePagesTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start(self.p.counsellor)
        self.person = do_open_file_from_contact(actor=self.p.counsellor, contact=self.contact)
        self.url = reverse("cases:file-detail", args=[self.person.public_id])

    def test_who_sees_the_file(self):
        expected = {
            self.p.counsellor: 200,  # the caller's counsellor (and the file is theirs)
            self.p.supervisor: 200,
            self.p.director: 200,
            self.p.counsellor_b: 404,  # another counsellor's caller
            self.p.outsider: 404,
            self.p.outsider_supervisor: 404,
            self.p.auditor: 403,
            self.p.admin: 403,
            self.p.officer: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(client_for(user).get(self.url).status_code, status)
        views = AuditEvent.objects.filter(action="view", target_id=self.person.public_id)
        self.assertEqual(views.count(), 3)

    def test_file_list_is_scoped(self):
        list_url = reverse("cases:file-list")
        self.assertContains(client_for(self.p.counsellor).get(list_url), self.person.label)
        self.assertNotContains(client_for(self.p.counsellor_b).get(list_url), self.person.label)
        self.assertNotContains(client_for(self.p.outsider).get(list_url), self.person.label)
        page = client_for(self.p.supervisor).get(list_url)
        self.assertContains(page, self.person.label)
        self.assertContains(page, 'data-testid="caseload"')

    def test_chinese_page_and_bad_input_keeps_what_was_typed(self):
        client = client_for(self.p.counsellor)
        page = client.get(self.url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        self.assertContains(page, "个案档案")
        response = client.post(
            reverse("cases:file-edit", args=[self.person.public_id]),
            {
                "version": self.person.file_version,
                "alias": "小王",
                "gender": "male",
                "birth_year": "19x0",
                "life_events": "失业、离婚",
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "失业、离婚", status_code=422)
        self.assertContains(response, "小王", status_code=422)
        # A stale version: 409 and the typing kept.
        response = client.post(
            reverse("cases:file-status", args=[self.person.public_id]),
            {"version": self.person.file_version + 5, "status": "closed", "reason": "好转结案"},
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "好转结案", status_code=409)

    def test_pdf_renders(self):
        response = client_for(self.p.supervisor).get(
            reverse("cases:file-pdf", args=[self.person.public_id])
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertTrue(
            AuditEvent.objects.filter(action="export", target_id=self.person.public_id).exists()
        )

    def test_a_cut_pdf_says_so(self):
        from unittest import mock

        import pypdfium2

        from xinyuan.cases import file_views

        file_actions.do_add_file_note(actor=self.p.counsellor, person=self.person, text="第二条")
        url = reverse("cases:file-pdf", args=[self.person.public_id])
        with mock.patch.object(file_views, "PDF_MAX_ITEMS", 1):
            response = client_for(self.p.supervisor).get(url)
        pdf = pypdfium2.PdfDocument(response.content)
        text = "".join(page.get_textpage().get_text_range() for page in pdf)
        self.assertIn("仅打印最近的 1 条记录", " ".join(text.split()))
        self.assertEqual(text.count("07号"), 2, "one timeline item, and the worker")
        full = client_for(self.p.supervisor).get(url)
        pdf = pypdfium2.PdfDocument(full.content)
        self.assertNotIn("仅打印", "".join(p.get_textpage().get_text_range() for p in pdf))

    def test_contact_page_offers_the_file(self):
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[self.contact.public_id])
        )
        self.assertContains(page, 'data-testid="file-link"')
        other = start(self.p.counsellor, number="13900009999")
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[other.public_id])
        )
        self.assertContains(page, 'data-testid="open-file"')
        response = client_for(self.p.counsellor).post(
            reverse("hotline:contact-file", args=[other.public_id])
        )
        self.assertEqual(response.status_code, 302)
        other.refresh_from_db()
        self.assertEqual(other.person.case_status, "open")


class FileApiTests(PersonaMixin, TestCase):
    def setUp(self):
        self.person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )
        self.institution = institution(self.p.org)

    def test_get_person_is_scoped_and_paged(self):
        url = f"/api/v1/persons/{self.person.public_id}"
        self.assertEqual(client_for(self.p.counsellor_b).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.outsider).get(url).status_code, 404)
        self.assertEqual(client_for(self.p.auditor).get(url).status_code, 403)
        body = client_for(self.p.counsellor).get(url + "?limit=1").json()
        self.assertEqual(body["case_status"], "open")
        self.assertEqual(len(body["timeline"]["items"]), 1)
        self.assertIsNotNone(body["timeline"]["next"])
        rest = client_for(self.p.counsellor).get(url, {"before": body["timeline"]["next"]}).json()
        self.assertEqual(len(rest["timeline"]["items"]), 1)
        self.assertNotIn("name_encrypted", body)

    def test_referral_post_and_patch(self):
        client = client_for(self.p.counsellor)
        response = client.post(
            "/api/v1/referrals",
            {
                "person": str(self.person.public_id),
                "institution": str(self.institution.public_id),
                "reason": "精神科评估",
                "urgency": "soon",
                "consent_basis": "consented",
            },
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        referral = response.json()
        url = f"/api/v1/referrals/{referral['public_id']}"
        ok = client.patch(
            url, {"status": "accepted", "version": 1}, content_type="application/json"
        )
        self.assertEqual(ok.status_code, 200)
        stale = client.patch(url, {"status": "seen", "version": 1}, content_type="application/json")
        self.assertEqual(stale.status_code, 409)
        bad = client.patch(url, {"status": "sent", "version": 2}, content_type="application/json")
        self.assertEqual(bad.status_code, 422)
        other = client_for(self.p.outsider).patch(
            url, {"status": "seen", "version": 2}, content_type="application/json"
        )
        self.assertEqual(other.status_code, 404)
        self.institution.active = False
        self.institution.save()
        refused = client.post(
            "/api/v1/referrals",
            {
                "person": str(self.person.public_id),
                "institution": str(self.institution.public_id),
                "reason": "x",
                "urgency": "soon",
                "consent_basis": "consented",
            },
            content_type="application/json",
        )
        self.assertEqual(refused.status_code, 422)

    def test_follow_ups_api(self):
        response = client_for(self.p.counsellor).get("/api/v1/follow-ups?status=overdue")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["count"], 0)
        self.assertEqual(client_for(self.p.auditor).get("/api/v1/follow-ups").status_code, 403)
        self.assertEqual(
            client_for(self.p.counsellor).get("/api/v1/follow-ups?status=late").status_code, 422
        )


class FileTransactionTests(ProductionTransactionTestCase):
    """Under production transactions: every write of the file has its audit event, or neither."""

    def test_writes_commit_with_their_audit_event(self):
        p = make_personas()
        contact = start(p.counsellor)
        person = do_open_file_from_contact(actor=p.counsellor, contact=contact)
        file_actions.do_set_intervention_level(
            actor=p.counsellor, person=person, level=1, reason="", version=person.file_version
        )
        file_actions.do_add_file_note(actor=p.counsellor, person=person, text="家属陪同来访")
        referral = file_actions.do_create_referral(
            actor=p.counsellor,
            person=person,
            institution=institution(p.org),
            data={"reason": "评估", "urgency": "urgent", "consent_basis": "consented"},
        )
        self.assertTrue(AuditEvent.objects.filter(target_id=referral.public_id).exists())
        self.assertEqual(
            AuditEvent.objects.filter(target_id=person.public_id, action="update").count(), 2
        )
        self.assertEqual(Referral.objects.count(), 1)


class FileErasureTests(PersonaMixin, TestCase):
    def test_erasure_on_request_empties_the_file(self):
        from xinyuan.hotline.actions.retention import do_anonymise_person_on_request
        from xinyuan.operations.tests.factories import closed_contact

        contact = closed_contact(self.p.counsellor, caller_number="13800007777")
        person = do_open_file_from_contact(actor=self.p.counsellor, contact=contact)
        file_actions.do_update_file(
            actor=self.p.counsellor,
            person=person,
            data={"name": "王小明", "contact_details": "13911112222", "life_events": "失业"},
            version=person.file_version,
        )
        file_actions.do_add_file_note(actor=self.p.counsellor, person=person, text="母亲陪同")
        do_anonymise_person_on_request(actor=self.p.director, person=person, reference="REQ-1")
        person.refresh_from_db()
        self.assertEqual(
            (person.name_encrypted, person.contact_details_encrypted, person.life_events),
            ("", "", ""),
        )
        self.assertFalse(FileEntry.objects.filter(person=person).exclude(text="").exists())


class MergeTests(PersonaMixin, TestCase):
    def setUp(self):
        self.a = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800000001")
        )
        self.b = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800000002")
        )
        file_actions.do_add_file_note(actor=self.p.counsellor, person=self.b, text="另一号码来电")

    def test_merge_moves_every_record_and_undo_moves_them_back(self):
        from xinyuan.cases.actions.merge import do_merge_persons, do_undo_merge
        from xinyuan.cases.models import CallerIdentity

        merge = do_merge_persons(
            actor=self.p.supervisor, source=self.b, target=self.a, reason="同一人换了手机号"
        )
        self.assertEqual(Contact.objects.filter(person=self.a).count(), 2)
        self.assertEqual(CallerIdentity.objects.filter(person=self.a).count(), 2)
        self.assertTrue(FileEntry.objects.filter(person=self.a, text="另一号码来电").exists())
        self.assertEqual(Person.objects.get(pk=self.a.pk).contact_count, 2)
        # The merged file is out of the lists and cannot be written in.
        self.assertNotIn(
            self.b.pk,
            selectors.filter_files(selectors.files_visible_to(self.p.supervisor)).values_list(
                "pk", flat=True
            ),
        )
        with self.assertRaises(ValidationError):  # no second merge of a merged file
            do_merge_persons(actor=self.p.supervisor, source=self.a, target=self.b, reason="x y")
        # A record added to the merged file after the merge stays there on undo.
        file_actions.do_add_file_note(actor=self.p.counsellor, person=self.a, text="合并后记录")
        do_undo_merge(actor=self.p.supervisor, merge=merge)
        self.assertEqual(Contact.objects.filter(person=self.b).count(), 1)
        self.assertEqual(CallerIdentity.objects.filter(person=self.b).count(), 1)
        self.assertTrue(FileEntry.objects.filter(person=self.b, text="另一号码来电").exists())
        self.assertTrue(FileEntry.objects.filter(person=self.a, text="合并后记录").exists())
        self.assertIsNone(Person.objects.get(pk=self.b.pk).merged_into_id)
        with self.assertRaises(ValidationError):
            do_undo_merge(actor=self.p.supervisor, merge=merge)

    def test_refusals(self):
        from xinyuan.cases.actions.merge import do_merge_persons, do_undo_merge

        with self.assertRaises(PermissionDeniedError):
            do_merge_persons(actor=self.p.counsellor, source=self.b, target=self.a, reason="同一人")
        with self.assertRaises(ValidationError) as caught:
            do_merge_persons(actor=self.p.supervisor, source=self.a, target=self.a, reason="同一人")
        self.assertIn("source", caught.exception.message_dict)
        other = do_open_file_from_contact(
            actor=self.p.outsider, contact=start(self.p.outsider, number="13800000003")
        )
        with self.assertRaises(PermissionDeniedError):  # another centre's file
            do_merge_persons(actor=self.p.supervisor, source=other, target=self.a, reason="同一人")
        merge = do_merge_persons(
            actor=self.p.supervisor, source=self.b, target=self.a, reason="同一人"
        )
        from xinyuan.cases.models import PersonMerge

        PersonMerge.objects.filter(pk=merge.pk).update(
            created_at=timezone.now() - timedelta(days=31)
        )
        merge.refresh_from_db()
        with self.assertRaises(ValidationError) as caught:
            do_undo_merge(actor=self.p.supervisor, merge=merge)
        self.assertIn("30", " ".join(caught.exception.messages))

    def test_merge_page_keeps_the_typing_on_a_bad_label(self):
        response = client_for(self.p.supervisor).post(
            reverse("cases:file-merge", args=[self.a.public_id]),
            {"source": "C-NOPE", "reason": "同一人换号"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "同一人换号", status_code=422)
        response = client_for(self.p.supervisor).post(
            reverse("cases:file-merge", args=[self.a.public_id]),
            {"source": self.b.label, "reason": "同一人换号"},
        )
        self.assertEqual(response.status_code, 302)
        page = client_for(self.p.supervisor).get(
            reverse("cases:file-detail", args=[self.b.public_id])
        )
        self.assertContains(page, 'data-testid="merged-into"')


class NeedsTests(PersonaMixin, TestCase):
    def test_a_need_with_its_resource_on_the_file_and_the_timeline(self):
        person = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor)
        )
        civil = institution(self.p.org, name="区民政局", kind="civil_affairs", green_channel=False)
        client = client_for(self.p.counsellor)
        response = client.post(
            reverse("cases:file-need", args=[person.public_id]),
            {"kind": "", "description": "失业三个月，房租困难"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "失业三个月，房租困难", status_code=422)
        response = client.post(
            reverse("cases:file-need", args=[person.public_id]),
            {
                "kind": "financial",
                "description": "失业三个月，房租困难",
                "institution": str(civil.public_id),
            },
        )
        self.assertEqual(response.status_code, 302)
        need = person.needs.get()
        self.assertEqual((need.status, need.institution), ("linked", civil))
        items, _next = timeline.timeline(self.p.counsellor, person, only=["need"])
        self.assertEqual(len(items), 1)
        self.assertIn("区民政局", items[0].detail)
        file_actions.do_update_need(actor=self.p.counsellor, need=need, status="met")
        need.refresh_from_db()
        self.assertIsNotNone(need.resolved_at)


class DuplicateScopeTests(PersonaMixin, TestCase):
    def test_a_counsellor_is_not_shown_a_file_they_may_not_open(self):
        mine = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13800000011")
        )
        theirs = do_open_file_from_contact(
            actor=self.p.counsellor_b, contact=start(self.p.counsellor_b, number="13800000012")
        )
        for person, actor in ((mine, self.p.counsellor), (theirs, self.p.counsellor_b)):
            file_actions.do_update_file(
                actor=actor,
                person=person,
                data={"name": "王小明", "birth_year": "1990"},
                version=Person.objects.get(pk=person.pk).file_version,
            )
        mine.refresh_from_db()
        self.assertEqual(selectors.likely_duplicates(self.p.counsellor, mine), [])
        self.assertEqual(
            [p.pk for p in selectors.likely_duplicates(self.p.supervisor, mine)], [theirs.pk]
        )

    def test_the_same_phone_number_in_a_walk_ins_file_and_a_callers_identity(self):
        """A walk-in's file with the number in its contact details, and a caller known by that
        number (their identity): each is suggested on the other's file (keyed hashes only)."""
        caller = do_open_file_from_contact(
            actor=self.p.counsellor, contact=start(self.p.counsellor, number="13912345678")
        )
        walk_in = do_open_file_from_contact(
            actor=self.p.counsellor,
            contact=do_start_contact(actor=self.p.counsellor, channel="walk_in"),
        )
        self.assertEqual(selectors.likely_duplicates(self.p.supervisor, walk_in), [])
        file_actions.do_update_file(
            actor=self.p.counsellor,
            person=walk_in,
            data={"contact_details": "手机 139-1234-5678（本人）"},
            version=walk_in.file_version,
        )
        walk_in.refresh_from_db()
        self.assertNotIn("13912345678", walk_in.contact_hash)
        self.assertEqual(
            [p.pk for p in selectors.likely_duplicates(self.p.supervisor, walk_in)], [caller.pk]
        )
        self.assertEqual(
            [p.pk for p in selectors.likely_duplicates(self.p.supervisor, caller)], [walk_in.pk]
        )
        # Another number: no suggestion.
        file_actions.do_update_file(
            actor=self.p.counsellor,
            person=walk_in,
            data={"contact_details": "010-82000001"},
            version=walk_in.file_version,
        )
        walk_in.refresh_from_db()
        self.assertEqual(selectors.likely_duplicates(self.p.supervisor, walk_in), [])
