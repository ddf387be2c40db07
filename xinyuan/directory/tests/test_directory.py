"""The directory of partner institutions (OP-05, decision 0018): pages, actions, the Excel
round trip, the API and their scoping."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from xinyuan.audit.models import AuditEvent
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.directory import actions, rules
from xinyuan.directory.models import Institution

LIST = reverse("directory:institution-list")


def entry(**overrides) -> dict:
    data = {
        "name": "市精神卫生中心",
        "kind": "psychiatric_hospital",
        "region": "西城区",
        "address": "安康路 5 号",
        "phone": "010-8200 0001",
        "hours": "24 小时",
        "services": "精神科急诊、住院",
        "green_channel": True,
        "notes": "",
    }
    return {**data, **overrides}


def upload(rows, headers=rules.HEADERS, name="directory.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for r in rows:
        sheet.append(list(r))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


GOOD_ROW = (
    "区社区卫生服务中心",
    "社区卫生服务中心",
    "东城区",
    "",
    "010-1234 5678",
    "",
    "随访",
    "否",
    "",
)


class ActionTests(PersonaMixin, TestCase):
    def test_create_update_deactivate_are_audited(self):
        p = self.p
        i = actions.do_create_institution(actor=p.supervisor, data=entry())
        self.assertEqual((i.organisation_id, i.version, i.active), (p.org.pk, 1, True))
        i = actions.do_update_institution(
            actor=p.director, institution=i, data={"phone": "（010）8200 0009"}, expected_version=1
        )
        self.assertEqual((i.phone, i.version), ("(010)8200 0009", 2))
        i = actions.do_set_institution_active(
            actor=p.admin, institution=i, active=False, expected_version=2
        )
        self.assertFalse(Institution.objects.get(pk=i.pk).active)
        self.assertEqual(
            list(
                AuditEvent.objects.filter(target_type="directory.institution")
                .order_by("pk")
                .values_list("action", flat=True)
            ),
            ["create", "update", "deactivate"],
        )

    def test_stale_version_is_refused_and_nothing_saved(self):
        i = actions.do_create_institution(actor=self.p.supervisor, data=entry())
        actions.do_update_institution(
            actor=self.p.supervisor, institution=i, data={"hours": "白天"}, expected_version=1
        )
        with self.assertRaises(ConflictError):
            actions.do_update_institution(
                actor=self.p.director, institution=i, data={"hours": "夜间"}, expected_version=1
            )
        self.assertEqual(Institution.objects.get(pk=i.pk).hours, "白天")

    def test_roles_refused(self):
        for user in (self.p.counsellor, self.p.auditor, self.p.officer):
            with self.subTest(role=user.role), self.assertRaises(PermissionDeniedError):
                actions.do_create_institution(actor=user, data=entry())
        i = actions.do_create_institution(actor=self.p.supervisor, data=entry())
        with self.assertRaises(PermissionDeniedError):
            actions.do_set_institution_active(
                actor=self.p.outsider_supervisor, institution=i, active=False
            )

    def test_bad_phone_and_duplicate_name(self):
        actions.do_create_institution(actor=self.p.supervisor, data=entry())
        with self.assertRaises(Exception) as caught:
            actions.do_create_institution(
                actor=self.p.supervisor, data=entry(name=" 市精神卫生中心 ", phone="call me")
            )
        self.assertEqual(set(caught.exception.message_dict), {"name", "phone"})
        # Another centre may have its own entry of the same name.
        actions.do_create_institution(actor=self.p.outsider_supervisor, data=entry())


class PageTests(PersonaMixin, TestCase):
    def setUp(self):
        translation.activate("zh-hans")

    def test_create_keeps_input_on_error_then_saves(self):
        c = client_for(self.p.supervisor)
        url = reverse("directory:institution-add")
        response = c.post(url, entry(phone="abc", name="区精神卫生保健所"))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "区精神卫生保健所", status_code=422)
        self.assertContains(response, rules.phone_problem("abc"), status_code=422)
        response = c.post(url, entry(name="区精神卫生保健所"))
        self.assertRedirects(response, LIST)
        self.assertTrue(Institution.objects.filter(name="区精神卫生保健所").exists())

    def test_edit_with_stale_version_is_409(self):
        i = actions.do_create_institution(actor=self.p.supervisor, data=entry())
        actions.do_update_institution(actor=self.p.director, institution=i, data={"notes": "x"})
        url = reverse("directory:institution-edit", args=[i.public_id])
        response = client_for(self.p.supervisor).post(url, entry(hours="夜间", version=1))
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "夜间", status_code=409)
        self.assertEqual(Institution.objects.get(pk=i.pk).hours, "24 小时")
        ok = client_for(self.p.supervisor).post(url, entry(hours="夜间", version=2))
        self.assertEqual(ok.status_code, 302)

    def test_other_centres_entry_is_404(self):
        i = actions.do_create_institution(actor=self.p.outsider_supervisor, data=entry())
        c = client_for(self.p.supervisor)
        self.assertEqual(
            c.get(reverse("directory:institution-edit", args=[i.public_id])).status_code, 404
        )
        self.assertEqual(
            c.post(reverse("directory:institution-deactivate", args=[i.public_id])).status_code,
            404,
        )
        self.assertNotContains(client_for(self.p.counsellor).get(LIST), "市精神卫生中心")

    def test_counsellor_sees_but_does_not_manage(self):
        actions.do_create_institution(actor=self.p.supervisor, data=entry())
        c = client_for(self.p.counsellor)
        response = c.get(LIST)
        self.assertContains(response, "市精神卫生中心")
        self.assertNotContains(response, reverse("directory:institution-add"))
        self.assertEqual(c.get(reverse("directory:institution-add")).status_code, 403)
        for user in (self.p.auditor, self.p.officer):
            self.assertEqual(client_for(user).get(LIST).status_code, 403)

    def test_search_and_filters(self):
        s = self.p.supervisor
        actions.do_create_institution(actor=s, data=entry())
        actions.do_create_institution(
            actor=s,
            data=entry(
                name="和平里派出所", kind="police", phone="110", services="", green_channel=False
            ),
        )
        old = actions.do_create_institution(
            actor=s, data=entry(name="旧学校", kind="school", services="心理课")
        )
        actions.do_set_institution_active(actor=s, institution=old, active=False)
        c = client_for(self.p.counsellor)

        def names(**params):
            page = c.get(LIST, params).context["page"]
            return sorted(i.name for i in page.object_list)

        self.assertEqual(names(), ["和平里派出所", "市精神卫生中心"])  # active by default
        self.assertEqual(names(q="急诊"), ["市精神卫生中心"])
        self.assertEqual(names(q="110"), ["和平里派出所"])
        self.assertEqual(names(kind="police"), ["和平里派出所"])
        self.assertEqual(names(green_channel="yes", active="all"), ["市精神卫生中心", "旧学校"])
        self.assertEqual(names(active="no"), ["旧学校"])
        self.assertEqual(names(q="西城区 心理课", active="all"), ["旧学校"])

    def test_paged(self):
        Institution.objects.bulk_create(
            Institution(organisation=self.p.org, name=f"机构{n:03}", kind="other", phone="110")
            for n in range(55)
        )
        c = client_for(self.p.counsellor)
        first = c.get(LIST, {"kind": "other"})
        self.assertEqual(len(first.context["page"].object_list), 50)
        self.assertContains(first, "kind=other&amp;page=2")
        second = c.get(LIST, {"kind": "other", "page": 2})
        self.assertEqual([i.name for i in second.context["page"].object_list][0], "机构050")

    def test_reactivate(self):
        i = actions.do_create_institution(actor=self.p.supervisor, data=entry())
        actions.do_set_institution_active(actor=self.p.supervisor, institution=i, active=False)
        response = client_for(self.p.director).post(
            reverse("directory:institution-reactivate", args=[i.public_id]),
            {"version": 2, "query": "active=all&q=x"},
        )
        self.assertEqual(response["Location"], LIST + "?active=all&q=x")
        self.assertTrue(Institution.objects.get(pk=i.pk).active)

    def test_list_query_count_does_not_grow(self):
        c = client_for(self.p.counsellor)
        actions.do_create_institution(actor=self.p.supervisor, data=entry())
        c.get(LIST)  # warm the session
        with CaptureQueriesContext(connection) as one:
            self.assertEqual(c.get(LIST).status_code, 200)
        for n in range(20):
            actions.do_create_institution(
                actor=self.p.supervisor, data=entry(name=f"机构{n:02}", phone=f"010-{n:04}")
            )
        with self.assertNumQueries(len(one)):
            self.assertEqual(c.get(LIST).status_code, 200)


class SpreadsheetTests(PersonaMixin, TestCase):
    def setUp(self):
        translation.activate("zh-hans")

    def test_export_then_import_round_trip(self):
        s = self.p.supervisor
        actions.do_create_institution(actor=s, data=entry(notes='=HYPERLINK("x")'))
        old = actions.do_create_institution(
            actor=s,
            data=entry(name="旧学校", kind="school", phone="+86 10 1234", green_channel=False),
        )
        actions.do_set_institution_active(actor=s, institution=old, active=False)
        response = client_for(self.p.counsellor).get(reverse("directory:institution-export"))
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0], rules.HEADERS)
        self.assertEqual(rows[1][:2], ("市精神卫生中心", "精神专科医院"))
        self.assertEqual(rows[1][9], '\'=HYPERLINK("x")')  # no formula
        self.assertEqual(rows[2][4], "'+86 10 1234")
        self.assertEqual(rows[2][8], "停用")
        # The same file into another centre: the same entries, created.
        other = client_for(self.p.outsider_supervisor)
        imported = other.post(
            reverse("directory:institution-import"),
            {"file": SimpleUploadedFile("d.xlsx", response.content)},
        )
        self.assertEqual(imported.status_code, 302)
        theirs = Institution.objects.filter(organisation=self.p.other_org).order_by("name")
        mine = Institution.objects.filter(organisation=self.p.org).order_by("name")
        fields = [*rules.FIELDS]
        self.assertEqual(list(theirs.values_list(*fields)), list(mine.values_list(*fields)))
        # Into the same centre: everything unchanged; one audit event with the counts.
        client_for(s).post(
            reverse("directory:institution-import"),
            {"file": SimpleUploadedFile("d.xlsx", response.content)},
        )
        event = AuditEvent.objects.filter(action="import_directory").order_by("-pk").first()
        self.assertEqual(
            (event.organisation_id, event.changes["created"], event.changes["unchanged"]),
            (self.p.org.pk, 0, 2),
        )

    def test_import_updates_by_name_and_adds_new(self):
        i = actions.do_create_institution(actor=self.p.supervisor, data=entry())
        response = client_for(self.p.director).post(
            reverse("directory:institution-import"),
            {
                "file": upload(
                    [
                        (
                            "市精神卫生中心",
                            "精神专科医院",
                            "西城区",
                            "",
                            "010-9999 0000",
                            "",
                            "",
                            "是",
                            "",
                        ),
                        GOOD_ROW,
                    ]
                )
            },
        )
        self.assertEqual(response.status_code, 302)
        i.refresh_from_db()
        self.assertEqual((i.phone, i.version), ("010-9999 0000", 2))
        self.assertEqual(Institution.objects.filter(organisation=self.p.org).count(), 2)

    def test_bad_rows_import_nothing_and_are_named(self):
        rows = [GOOD_ROW, ("坏电话机构", "学校", "", "", "电话：110", "", "", "", "")]
        rows += [("另一个机构", "学校", "", "", "110", "", "", "", "")]
        rows += [("", "学校", "", "", "110", "", "", "", "")]  # row 5
        response = client_for(self.p.supervisor).post(
            reverse("directory:institution-import"), {"file": upload(rows)}
        )
        self.assertEqual(response.status_code, 422)
        problems = response.context["problems"]
        self.assertEqual(len(problems), 2, problems)
        # Each names its row and its problem in the user's language (Chinese once the
        # translations are merged: “第 3 行：电话号码格式不正确（“电话:110”）”).
        self.assertEqual(
            problems,
            [
                rules.row_message(
                    3, [_("the phone number is not valid (“%(value)s”)") % {"value": "电话:110"}]
                ),
                rules.row_message(5, [_("the name is missing")]),
            ],
        )
        self.assertFalse(Institution.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="import_directory").exists())

    def test_file_problems(self):
        c = client_for(self.p.supervisor)
        url = reverse("directory:institution-import")
        not_excel = c.post(url, {"file": SimpleUploadedFile("d.xlsx", b"hello")})
        self.assertIn(".xlsx", not_excel.context["problems"][0])
        wrong_columns = c.post(url, {"file": upload([GOOD_ROW], headers=("a", "b"))})
        self.assertIn("名称、类型", wrong_columns.context["problems"][0])
        too_big = SimpleUploadedFile("d.xlsx", b"x" * (rules.MAX_IMPORT_BYTES + 1))
        self.assertIn("2 MB", c.post(url, {"file": too_big}).context["problems"][0])
        many = [(f"机构{n}", "学校", "", "", "110", "", "", "", "") for n in range(2001)]
        too_long = c.post(url, {"file": upload(many)})
        self.assertIn("2000", too_long.context["problems"][0])
        self.assertFalse(Institution.objects.exists())


class ApiTests(PersonaMixin, TestCase):
    URL = "/api/v1/directory"

    def test_scoped_filtered_and_paged(self):
        s = self.p.supervisor
        actions.do_create_institution(actor=s, data=entry())
        actions.do_create_institution(
            actor=s,
            data=entry(name="派出所", kind="police", phone="110", services="", green_channel=False),
        )
        actions.do_create_institution(actor=self.p.outsider_supervisor, data=entry(name="别处"))
        c = client_for(self.p.counsellor)
        body = c.get(self.URL).json()
        self.assertEqual(body["count"], 2)
        self.assertEqual({i["name"] for i in body["items"]}, {"市精神卫生中心", "派出所"})
        self.assertEqual(c.get(self.URL, {"kind": "police"}).json()["count"], 1)
        self.assertEqual(c.get(self.URL, {"q": "急诊", "green_channel": "true"}).json()["count"], 1)
        self.assertEqual(c.get(self.URL, {"limit": 1}).json()["count"], 2)
        self.assertEqual(len(c.get(self.URL, {"limit": 1}).json()["items"]), 1)
        for user in (self.p.auditor, self.p.officer):
            self.assertEqual(client_for(user).get(self.URL).status_code, 403)

    def test_in_the_schema(self):
        schema = client_for(self.p.counsellor).get("/api/v1/openapi.json").json()
        self.assertIn("/api/v1/directory", schema["paths"])

    def test_query_count_does_not_grow(self):
        c = client_for(self.p.counsellor)
        actions.do_create_institution(actor=self.p.supervisor, data=entry())
        c.get(self.URL)
        with CaptureQueriesContext(connection) as one:
            c.get(self.URL)
        for n in range(20):
            actions.do_create_institution(
                actor=self.p.supervisor, data=entry(name=f"机构{n:02}", phone=f"010-{n:04}")
            )
        with self.assertNumQueries(len(one)):
            self.assertEqual(c.get(self.URL).json()["count"], 21)


class DemoTests(TestCase):
    def test_demo_directory_is_idempotent(self):
        from django.core.management import call_command

        from xinyuan.accounts.models import Organisation, Region

        org = Organisation.objects.create(
            name="示范心理援助热线", region=Region.objects.create(name="示范市卫生健康委员会")
        )
        call_command("load_demo_directory", stdout=io.StringIO())
        call_command("load_demo_directory", stdout=io.StringIO())
        self.assertEqual(Institution.objects.filter(organisation=org).count(), 8)
        for i in Institution.objects.all():
            self.assertEqual(rules.entry_problems(
                {f: getattr(i, f) for f in rules.FIELDS}), {}, i.name)  # fmt: skip
