from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from xinyuan.audit.models import AuditEvent
from xinyuan.cases.models import Person
from xinyuan.core.exports import safe_cell
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.tests.factories import start_contact


class AuditScreenTests(PersonaMixin, TestCase):
    def setUp(self):
        self.contact = start_contact(self.p.counsellor, caller_number="13500000000")
        self.person = Person.objects.get()
        # The supervisor opens the caller's contact: a view event.
        client_for(self.p.supervisor).get(
            reverse("hotline:contact-detail", args=[self.contact.public_id])
        )

    def test_the_auditor_finds_who_viewed_a_persons_file(self):
        response = client_for(self.p.auditor).get(
            reverse("audit:events"), {"person": self.person.label, "action": "view"}
        )
        rows = response.context["events"]
        self.assertEqual([r["event"].actor for r in rows], [self.p.supervisor])
        self.assertContains(response, "supervisor")

    def test_the_auditor_sees_no_clinical_content(self):
        from xinyuan.hotline import actions

        actions.do_update_contact(
            actor=self.p.counsellor,
            contact=self.contact,
            version=1,
            changes={"problems": "秘密的临床内容"},
        )
        response = client_for(self.p.auditor).get(reverse("audit:events"))
        self.assertNotContains(response, "秘密的临床内容")
        self.assertEqual(client_for(self.p.auditor).get("/contacts/").status_code, 403)

    def test_the_export_is_audited_and_neutralises_formulas(self):
        AuditEvent.objects.count()
        response = client_for(self.p.auditor).get(reverse("audit:events"), {"export": "csv"})
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertTrue(AuditEvent.objects.filter(action="export", actor=self.p.auditor).exists())
        self.assertEqual(safe_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)")
        self.assertEqual(safe_cell("+1"), "'+1")
        self.assertEqual(safe_cell("-1"), "'-1")
        self.assertEqual(safe_cell("@SUM"), "'@SUM")
        self.assertEqual(safe_cell("正常"), "正常")

    def test_the_export_speaks_the_readers_language(self):
        import csv
        import io

        def export(client):
            body = client.get(reverse("audit:events"), {"export": "csv"}).content
            return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

        header, *rows = export(client_for(self.p.auditor))
        self.assertEqual(
            header[:7], ["封存序号", "事件ID", "时间", "操作人", "角色", "操作", "记录"]
        )
        viewed = next(r for r in rows if r[3] == "supervisor")
        self.assertEqual(viewed[4:7], ["督导/值班长", "查看", "来电"])
        auditor = client_for(self.p.auditor)
        auditor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        header, *rows = export(auditor)
        self.assertEqual(header[:4], ["sequence in the sealed log", "event ID", "when", "who"])
        viewed = next(r for r in rows if r[3] == "supervisor")
        self.assertEqual(viewed[4:7], ["Supervisor / duty lead", "viewed", "contact"])

    def test_a_coded_reason_is_shown_in_words(self):
        from xinyuan.audit.presentation import reason_label

        self.assertEqual(reason_label("consent_withdrawn"), "撤回知情同意")
        self.assertEqual(reason_label("家属来电要求"), "家属来电要求")

    def test_other_roles_and_organisations_cannot_read_the_trail(self):
        self.assertEqual(
            client_for(self.p.counsellor).get(reverse("audit:events")).status_code, 403
        )
        outsider_auditor_rows = client_for(self.p.outsider).get(reverse("audit:events"))
        self.assertEqual(outsider_auditor_rows.status_code, 403)

    def test_a_bad_record_id_is_explained(self):
        response = client_for(self.p.auditor).get(reverse("audit:events"), {"record": "nope"})
        self.assertContains(response, "invalid-feedback", status_code=422)

    def test_dates_out_of_range_are_explained_in_the_users_language(self):
        auditor = client_for(self.p.auditor)
        for query in ({"date_to": "9999-12-31"}, {"date_from": "1899-12-31"},
                      {"date_from": "0001-01-01", "export": "csv"}):  # fmt: skip
            response = auditor.get(reverse("audit:events"), query)
            self.assertContains(response, "请输入 1900-01-01 至 9998-12-31 之间的日期",
                                status_code=422)  # fmt: skip
            self.assertEqual(response.context["events"], [], "no results as if unfiltered")
            self.assertContains(response, next(iter(query.values())), status_code=422)
        auditor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = auditor.get(reverse("audit:events"), {"date_to": "9999-12-31"})
        self.assertContains(response, "Enter a date between 1900-01-01 and 9998-12-31.",
                            status_code=422)  # fmt: skip
        self.assertEqual(
            auditor.get(reverse("audit:events"), {"date_to": "9998-12-31"}).status_code, 200
        )

    def test_dates_the_wrong_way_round_are_explained_not_an_empty_list(self):
        response = client_for(self.p.auditor).get(
            reverse("audit:events"), {"date_from": "2026-12-02", "date_to": "2026-12-01"}
        )
        self.assertContains(response, "截止日期早于起始日期", status_code=422)


class AuditorReasonTests(PersonaMixin, TestCase):
    def test_a_clinical_override_reason_is_not_shown_to_the_auditor(self):
        from xinyuan.hotline import actions, rules

        contact = start_contact(self.p.counsellor)
        actions.do_assess_risk(
            actor=self.p.counsellor,
            contact=contact,
            factors=rules.RiskFactors(),
            final_level="high",
            override_reason="囤积了四十片安眠药",
        )
        page = client_for(self.p.auditor).get(reverse("audit:events"))
        self.assertNotContains(page, "囤积了四十片安眠药")
        export = client_for(self.p.auditor).get(reverse("audit:events"), {"export": "csv"})
        self.assertNotIn("囤积了四十片安眠药", export.content.decode("utf-8-sig"))
