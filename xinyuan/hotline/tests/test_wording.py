"""Chinese as a Chinese counsellor writes it (issue 10, wording): full-width punctuation, no role
word repeated before an alias, 对外工号, reason texts that read naturally, and buttons that say
what they do."""

from django.conf import settings
from django.test import TestCase
from django.urls import reverse

from xinyuan.core.testing import PersonaMixin, client_for
from xinyuan.hotline import actions, rules
from xinyuan.hotline.models import RiskAlert
from xinyuan.hotline.tests.factories import high_risk_contact, start_contact


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class PunctuationTests(PersonaMixin, TestCase):
    def test_a_refused_field_reads_label_and_message_with_full_width_colons(self):
        contact = start_contact(self.p.counsellor)
        url = reverse("hotline:contact-stage-save", args=[contact.public_id, 3])
        data = {"version": "1", "s3-goal": "长" * 30000}
        response = client_for(self.p.counsellor).post(url, data, HTTP_HX_REQUEST="true")
        self.assertContains(response, "未保存：本次咨询目标：最多 20000 字")
        error = response.content.decode().split('data-testid="not-saved">')[1].split("</div>")[0]
        for half_width in (": ", "： ", ":"):
            self.assertNotIn(half_width, error)
        contact.refresh_from_db()
        response = english(client_for(self.p.counsellor)).post(
            url, {**data, "version": str(contact.version)}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(response, "Not saved: Goal of this contact: At most")

    def test_the_alert_line_and_the_counts_use_chinese_punctuation(self):
        high_risk_contact(self.p.counsellor)
        panel = client_for(self.p.supervisor).get(reverse("hotline:alerts-panel"))
        self.assertContains(panel, "高危来电：</strong>")
        self.assertNotContains(panel, "高危来电:")
        page = english(client_for(self.p.supervisor)).get(reverse("hotline:alerts-panel"))
        self.assertContains(page, "High-risk contact: </strong>")


class RoleWordTests(PersonaMixin, TestCase):
    def test_the_acknowledgement_names_the_supervisor_once(self):
        contact = high_risk_contact(self.p.counsellor)
        self.p.supervisor.alias = "督导01"
        self.p.supervisor.save(update_fields=["alias"])
        actions.do_acknowledge_alert(actor=self.p.supervisor, alert=RiskAlert.objects.get())
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[contact.public_id])
        )
        self.assertContains(page, "督导01 已于")
        self.assertNotContains(page, "督导 督导01")


class AliasTests(PersonaMixin, TestCase):
    def test_the_alias_is_called_the_counsellors_external_work_number(self):
        contact = start_contact(self.p.counsellor)
        page = client_for(self.p.counsellor).get(
            reverse("hotline:contact-detail", args=[contact.public_id])
        )
        self.assertContains(page, "您的对外工号：07号")
        from xinyuan.accounts.models import User

        self.assertEqual(str(User._meta.get_field("alias").verbose_name), "对外工号")


class ReasonTextTests(TestCase):
    def test_an_unknown_attempt_history_reads_naturally(self):
        from django.utils import translation

        with translation.override("zh-hans"):
            past = str(rules.REASON_TEXT["past_attempt"])
            ideation = str(rules.REASON_TEXT["ideation_past_attempt"])
        self.assertEqual(past, "曾有自杀未遂或未遂史不详，目前无自杀意念")
        self.assertEqual(ideation, "有自杀意念，且曾有自杀未遂或未遂史不详")
        for text in (past, ideation):
            self.assertNotIn("（或", text, "no aside in brackets")


class ContactListButtonTests(PersonaMixin, TestCase):
    def test_a_live_contact_of_someone_else_is_viewed_not_resumed(self):
        start_contact(self.p.counsellor)
        director = client_for(self.p.director).get("/contacts/")
        button = director.content.decode().split('data-testid="contact-open">')[1][:10]
        self.assertTrue(button.startswith("查看"), button)
        own = client_for(self.p.counsellor).get("/contacts/")
        self.assertTrue(
            own.content.decode().split('data-testid="contact-open">')[1].startswith("继续")
        )
        supervisor = client_for(self.p.supervisor).get("/contacts/")
        self.assertIn(
            "继续",
            supervisor.content.decode().split('data-testid="contact-open">')[1][:10],
            "a duty lead may take the call over",
        )
        english_page = english(client_for(self.p.director)).get("/contacts/")
        self.assertIn('data-testid="contact-open">Open<', english_page.content.decode())

    def test_deciding_the_button_costs_no_query_per_row(self):
        client = client_for(self.p.director)
        start_contact(self.p.counsellor)
        client.get("/contacts/")  # the session and caches warmed
        one_row = self._queries(client)
        for _ in range(3):
            start_contact(self.p.counsellor_b)
        self.assertEqual(self._queries(client), one_row)

    def _queries(self, client) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            client.get("/contacts/")
        return len(ctx.captured_queries)


class AcknowledgeConfirmationTests(PersonaMixin, TestCase):
    def test_the_panel_confirms_an_acknowledgement_and_keeps_its_fingerprint(self):
        high_risk_contact(self.p.counsellor)
        alert = RiskAlert.objects.get()
        client = client_for(self.p.supervisor)
        url = reverse("hotline:alert-acknowledge", args=[alert.public_id])
        response = client.post(url, HTTP_HX_REQUEST="true")
        alert.refresh_from_db()
        self.assertContains(response, 'data-testid="alert-acknowledged"')
        from django.utils import timezone

        when = timezone.localtime(alert.acknowledged_at).strftime("%H:%M")
        self.assertContains(response, "已确认：极高")
        self.assertContains(response, f"· {when} ")
        self.assertContains(response, "07号")
        fingerprint = response.content.decode().split('data-fingerprint="')[1].split('"')[0]
        poll = client.get(reverse("hotline:alerts-panel"), {"seen": fingerprint})
        self.assertEqual(poll.status_code, 204, "the confirmation stays until something changes")
        plain = client.get(reverse("hotline:alerts-panel"))
        self.assertNotContains(plain, 'data-testid="alert-acknowledged"')

    def test_the_confirmation_is_in_english_too(self):
        high_risk_contact(self.p.counsellor)
        alert = RiskAlert.objects.get()
        response = english(client_for(self.p.supervisor)).post(
            reverse("hotline:alert-acknowledge", args=[alert.public_id]), HTTP_HX_REQUEST="true"
        )
        self.assertContains(response, "Acknowledged: Imminent")
