"""Download names (RFC 6266 / RFC 5987): a label never reaches the header as it is."""

import re
from urllib.parse import unquote

from django.test import SimpleTestCase, TestCase

from xinyuan.cases.models import Person
from xinyuan.core.downloads import attachment
from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline.tests.factories import start_contact

HOSTILE = 'T"; f="x.exe\r\nSet-Cookie: a;李雷\\../'  # a person label: 40 characters at most
HEADER = re.compile(
    r"""attachment; filename="(?P<ascii>[A-Za-z0-9._-]+)"; """
    r"""filename\*=UTF-8''(?P<utf8>[A-Za-z0-9%._~-]+)"""
)


class AttachmentTests(SimpleTestCase):
    def test_a_plain_name_keeps_its_form(self):
        self.assertEqual(
            attachment("audit-20260101.csv"),
            "attachment; filename=\"audit-20260101.csv\"; filename*=UTF-8''audit-20260101.csv",
        )

    def test_quotes_line_breaks_separators_and_chinese_are_neutralised(self):
        value = attachment(f"person-{HOSTILE}-20260101.json")
        match = HEADER.fullmatch(value)
        self.assertIsNotNone(match, value)
        for bad in ('"', "\r", "\n", ";", "\\", "/"):
            self.assertNotIn(bad, match["ascii"] + match["utf8"])
        self.assertTrue(match["ascii"].endswith(".json"))
        readable = unquote(match["utf8"], encoding="utf-8")
        self.assertIn("李雷", readable, "the UTF-8 name keeps the Chinese label")
        self.assertNotIn("\n", readable)
        self.assertNotIn("/", readable)
        self.assertTrue(readable.endswith("-20260101.json"))

    def test_an_empty_or_dotted_name_still_gives_a_file_name(self):
        for name in ("", "..", "\r\n"):
            with self.subTest(name=name):
                match = HEADER.fullmatch(attachment(name))
                self.assertIsNotNone(match)
                self.assertNotIn(match["ascii"], ("", ".", ".."))

    def test_a_very_long_name_is_shortened_but_keeps_its_extension(self):
        match = HEADER.fullmatch(attachment("长" * 500 + ".json"))
        self.assertLessEqual(len(unquote(match["utf8"])), 120)
        self.assertTrue(unquote(match["utf8"]).endswith(".json"))


class DownloadHeaderTests(PersonaMixin, TestCase):
    def test_the_pipl_export_of_a_person_with_a_hostile_label(self):
        contact = start_contact(self.p.counsellor, caller_number="13800138000")
        Person.objects.filter(pk=contact.person_id).update(label=HOSTILE)
        response = client_for(self.p.director).post(
            f"/persons/{contact.person.public_id}/export/", {"reference": "申请-2026-031"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response["Content-Disposition"], HEADER)
        self.assertNotIn("Set-Cookie", response["Content-Disposition"])

    def test_the_audit_export_and_the_fhir_export_use_the_same_form(self):
        audit = client_for(self.p.auditor).get("/audit/", {"export": "csv"})
        self.assertRegex(audit["Content-Disposition"], HEADER)
        person = Person.objects.create(organisation=self.p.org, label=HOSTILE)
        fhir = client_for(self.p.director).get(f"/assessments/persons/{person.public_id}/fhir/")
        self.assertRegex(fhir["Content-Disposition"], HEADER)
