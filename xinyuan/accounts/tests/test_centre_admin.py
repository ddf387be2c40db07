"""Centre administration: the profile, staff accounts (invitation, edits, deactivation) and the
two-person reset of two-factor sign-in, as administrators and directors use them."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from xinyuan.accounts import selectors
from xinyuan.accounts.actions import authenticate_token, do_issue_api_token, forget_cached_tokens
from xinyuan.accounts.actions import centre as actions
from xinyuan.accounts.models import Employment, Qualification, SignInLink, TwoFactorReset, User
from xinyuan.audit.models import AuditEvent
from xinyuan.core.permissions import Role
from xinyuan.core.testing import (
    PASSWORD,
    PersonaMixin,
    ProductionTransactionTestCase,
    client_for,
    make_personas,
    make_user,
)
from xinyuan.hotline.tests.factories import start_contact

NEW_PASSWORD = "a-long-new-password-7"  # noqa: S105 - test value


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def profile_data(org, **changes) -> dict:
    data = {
        "name": org.name,
        "hotline_name": org.hotline_name,
        "hotline_number": org.hotline_number,
        "line_count": org.line_count,
        "hotline_hours": org.hotline_hours,
        "clinic": org.clinic,
        "emergency_numbers": org.emergency_numbers,
        "seen_at": org.updated_at.isoformat(),
    }
    return {**data, **changes}


def staff_data(user, **changes) -> dict:
    data = {
        "first_name": user.first_name,
        "email": user.email,
        "role": user.role,
        "alias": user.alias,
        "qualification": user.qualification,
        "employment": user.employment,
        "home_institution": user.home_institution,
        "seen_at": user.updated_at.isoformat(),
    }
    return {**data, **changes}


INVITE = {
    "username": "wang_xl",
    "first_name": "王晓林",
    "email": "wang@example.cn",
    "role": Role.COUNSELLOR,
    "alias": "21号",
    "qualification": Qualification.SOCIAL_WORKER,
    "employment": Employment.PART_TIME,
    "home_institution": "市社会工作服务中心",
}


class CentreProfileTests(PersonaMixin, TestCase):
    url = "/accounts/centre/"

    def test_directors_and_administrators_see_the_profile_in_chinese(self):
        for user in (self.p.director, self.p.admin):
            response = client_for(user).get(self.url)
            self.assertContains(response, "中心管理")
            self.assertContains(response, self.p.org.name)
            # The structured service hours and seats per hour are on the rota's page.
            self.assertContains(response, reverse("operations:service-hours"))

    def test_other_roles_and_outsiders_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.officer):
            self.assertEqual(client_for(user).get(self.url).status_code, 403)
        # Another centre's director edits their own centre, never this one.
        other = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        response = client_for(other).post(
            self.url, profile_data(self.p.other_org, hotline_number="96525")
        )
        self.assertEqual(response.status_code, 302)
        self.p.org.refresh_from_db()
        self.assertEqual(self.p.org.hotline_number, "")
        self.p.other_org.refresh_from_db()
        self.assertEqual(self.p.other_org.hotline_number, "96525")

    def test_an_administrator_without_a_centre_is_refused(self):
        lone = make_user("platform_admin", None, Role.ADMIN)
        self.assertEqual(client_for(lone).get(self.url).status_code, 403)

    def test_a_change_is_saved_and_audited(self):
        response = client_for(self.p.director).post(
            self.url,
            profile_data(
                self.p.org, hotline_number="12356", line_count=4, hotline_hours="每天 8:00–22:00"
            ),
        )
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.p.org.refresh_from_db()
        self.assertEqual(
            (self.p.org.hotline_number, self.p.org.line_count, self.p.org.hotline_hours),
            ("12356", 4, "每天 8:00–22:00"),
        )
        event = AuditEvent.objects.get(action="update", target_type="accounts.organisation")
        self.assertEqual(event.actor, self.p.director)
        self.assertIn('"line_count":[2,4]', event.changes_json)

    def test_bad_input_is_explained_in_chinese_and_kept(self):
        response = client_for(self.p.admin).post(
            self.url, profile_data(self.p.org, name="", line_count=0, clinic="新的门诊说明")
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "这个字段是必填项", status_code=422)
        self.assertContains(response, "新的门诊说明", status_code=422)
        self.assertFalse(AuditEvent.objects.filter(action="update").exists())

    def test_a_taken_centre_name_is_refused(self):
        response = client_for(self.p.admin).post(
            self.url, profile_data(self.p.org, name=self.p.other_org.name)
        )
        self.assertContains(response, "已有其他中心使用这个名称", status_code=422)

    def test_a_stale_page_does_not_overwrite_a_newer_change(self):
        seen = profile_data(self.p.org)
        actions.do_update_centre_profile(
            actor=self.p.admin,
            organisation=self.p.org,
            data={"hotline_number": "96525"},
            seen_at=self.p.org.updated_at,
        )
        response = client_for(self.p.director).post(
            self.url, {**seen, "hotline_number": "12356", "clinic": "我刚写的门诊说明"}
        )
        self.assertContains(response, "有人修改了", status_code=409)
        self.assertContains(response, "我刚写的门诊说明", status_code=409)
        self.p.org.refresh_from_db()
        self.assertEqual(self.p.org.hotline_number, "96525")


class StaffListTests(PersonaMixin, TestCase):
    url = "/accounts/centre/staff/"

    def test_the_list_shows_the_centre_staff_with_their_profile_and_two_factor(self):
        User.objects.filter(pk=self.p.supervisor.pk).update(
            totp_confirmed_at=timezone.now(),
            qualification=Qualification.PSYCHOTHERAPIST,
            employment=Employment.PART_TIME,
            home_institution="市精神卫生中心",
        )
        response = client_for(self.p.director).get(self.url)
        self.assertContains(response, "心理治疗师")
        self.assertContains(response, "兼职")
        self.assertContains(response, "市精神卫生中心")
        self.assertContains(response, "07号")
        self.assertNotContains(response, "99号", msg_prefix="another centre's staff")
        self.assertNotContains(response, "outsider")

    def test_the_query_count_does_not_grow_with_the_staff(self):
        client = client_for(self.p.admin)
        client.get(self.url)  # warm the session
        with self.assertNumQueries(5):
            first = client.get(self.url)
        for n in range(6):
            make_user(f"extra{n}", self.p.org, Role.COUNSELLOR, alias=f"5{n}号")
        User.objects.filter(pk=self.p.counsellor.pk).update(totp_confirmed_at=timezone.now())
        self.p.counsellor.refresh_from_db()
        actions.do_request_two_factor_reset(
            actor=self.p.director, staff=self.p.counsellor, reason="手机丢失"
        )
        with self.assertNumQueries(5):
            second = client.get(self.url)
        self.assertNotContains(first, "extra5")
        self.assertContains(second, "extra5")
        self.assertContains(second, "重置等待确认")

    def test_other_roles_and_outsiders_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.outsider):
            self.assertEqual(client_for(user).get(self.url).status_code, 403)


class InviteTests(PersonaMixin, TestCase):
    url = "/accounts/centre/staff/invite/"

    def test_an_invitation_makes_the_account_and_a_one_time_link(self):
        response = client_for(self.p.admin).post(self.url, INVITE)
        self.assertEqual(response.status_code, 200)
        user = User.objects.get(username="wang_xl")
        self.assertEqual(user.organisation, self.p.org)
        self.assertEqual(
            (user.role, user.alias, user.qualification, user.employment, user.home_institution),
            ("counsellor", "21号", "social_worker", "part_time", "市社会工作服务中心"),
        )
        self.assertFalse(user.has_usable_password())
        url = response.context["url"]
        self.assertContains(response, url)
        self.assertTrue(url.startswith("http://testserver/accounts/login/welcome/"))
        actions_seen = list(
            AuditEvent.objects.filter(target_id=user.public_id).values_list("action", flat=True)
        )
        self.assertEqual(sorted(actions_seen), ["invite", "issue_sign_in_link"])
        # The invited person sets a password through the link and signs in.
        path = url.removeprefix("http://testserver")
        self.client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        self.assertTrue(self.client.login(username="wang_xl", password=NEW_PASSWORD))

    @override_settings(BASE_URL="https://hotline.example.cn", BASE_URL_CONFIGURED=True)
    def test_with_the_service_address_configured_the_link_never_follows_the_host_header(self):
        response = client_for(self.p.admin).post(self.url, INVITE)  # Host: testserver
        self.assertTrue(
            response.context["url"].startswith("https://hotline.example.cn/accounts/login/welcome/")
        )

    @override_settings(INVITE_BY_EMAIL=True)
    def test_the_link_is_e_mailed_when_the_centre_chooses_so(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = client_for(self.p.director).post(self.url, INVITE)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["wang@example.cn"])
        self.assertIn(response.context["url"], mail.outbox[0].body)

    def test_a_taken_alias_is_refused_in_chinese_and_nothing_typed_is_lost(self):
        response = client_for(self.p.admin).post(self.url, {**INVITE, "alias": "07号"})
        self.assertContains(response, "对外工号“07号”已被本中心其他账号使用", status_code=422)
        self.assertContains(response, "市社会工作服务中心", status_code=422)
        self.assertContains(response, 'value="wang_xl"', status_code=422)
        self.assertFalse(User.objects.filter(username="wang_xl").exists())

    def test_a_taken_or_malformed_user_name_is_refused(self):
        client = client_for(self.p.admin)
        taken = client.post(self.url, {**INVITE, "username": "Counsellor"})
        self.assertContains(taken, "用户名已被使用", status_code=422)
        bad = client.post(self.url, {**INVITE, "username": "王 晓林"})
        self.assertContains(bad, "只能包含", status_code=422)

    def test_an_alias_may_repeat_in_another_centre(self):
        client_for(self.p.admin).post(self.url, {**INVITE, "alias": "99号"})
        self.assertTrue(User.objects.filter(username="wang_xl", alias="99号").exists())

    def test_a_region_role_cannot_be_given(self):
        response = client_for(self.p.admin).post(self.url, {**INVITE, "role": Role.REGION_OFFICER})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(User.objects.filter(username="wang_xl").exists())

    def test_other_roles_and_outsiders_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor, self.p.outsider):
            self.assertEqual(client_for(user).post(self.url, INVITE).status_code, 403)
        self.assertFalse(User.objects.filter(username="wang_xl").exists())

    def test_a_new_link_replaces_the_first(self):
        user, first = actions.do_invite_staff(actor=self.p.admin, username="li", data={})
        response = client_for(self.p.director).post(
            f"/accounts/centre/staff/{user.public_id}/sign-in-link/"
        )
        second = response.context["url"]
        self.assertNotEqual(first, second)
        self.assertEqual(
            self.client.get(first.removeprefix("http://127.0.0.1:8000")).status_code, 404
        )
        self.assertEqual(self.client.get(second.removeprefix("http://testserver")).status_code, 200)

    def test_no_new_link_once_the_password_is_chosen(self):
        response = client_for(self.p.director).post(
            f"/accounts/centre/staff/{self.p.counsellor.public_id}/sign-in-link/"
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(SignInLink.objects.exists())


class StaffEditTests(PersonaMixin, TestCase):
    def url(self, user) -> str:
        return f"/accounts/centre/staff/{user.public_id}/"

    def test_an_edit_is_saved_and_audited(self):
        counsellor = self.p.counsellor
        response = client_for(self.p.director).post(
            self.url(counsellor),
            staff_data(
                counsellor,
                role=Role.SUPERVISOR,
                qualification=Qualification.PSYCHIATRIC_NURSE,
                employment=Employment.PART_TIME,
                home_institution="市第一人民医院",
            ),
        )
        self.assertRedirects(response, "/accounts/centre/staff/", fetch_redirect_response=False)
        counsellor.refresh_from_db()
        self.assertEqual(
            (counsellor.role, counsellor.qualification, counsellor.home_institution),
            ("supervisor", "psychiatric_nurse", "市第一人民医院"),
        )
        event = AuditEvent.objects.get(action="update", target_id=counsellor.public_id)
        self.assertIn('"role":["counsellor","supervisor"]', event.changes_json)

    def test_a_stale_page_is_refused_and_the_typed_values_kept(self):
        counsellor = self.p.counsellor
        seen = staff_data(counsellor)
        actions.do_update_staff(
            actor=self.p.admin, staff=counsellor, data={"alias": "17号"}, seen_at=None
        )
        response = client_for(self.p.director).post(
            self.url(counsellor), {**seen, "home_institution": "我刚输入的机构"}
        )
        self.assertContains(response, "有人修改了", status_code=409)
        self.assertContains(response, "我刚输入的机构", status_code=409)
        counsellor.refresh_from_db()
        self.assertEqual((counsellor.alias, counsellor.home_institution), ("17号", ""))

    def test_a_taken_alias_is_refused(self):
        response = client_for(self.p.admin).post(
            self.url(self.p.counsellor), staff_data(self.p.counsellor, alias="08号")
        )
        self.assertContains(response, "已被本中心其他账号使用", status_code=422)

    def test_nobody_changes_their_own_role(self):
        response = client_for(self.p.admin).post(
            self.url(self.p.admin), staff_data(self.p.admin, role=Role.DIRECTOR, alias="管理")
        )
        self.assertEqual(response.status_code, 302)
        self.p.admin.refresh_from_db()
        self.assertEqual((self.p.admin.role, self.p.admin.alias), ("admin", "管理"))
        with self.assertRaisesMessage(
            ValidationError, "不能更改自己的角色"
        ):  # the action refuses too
            actions.do_update_staff(
                actor=self.p.admin, staff=self.p.admin, data={"role": "director"}, seen_at=None
            )

    def test_another_centres_account_is_not_found(self):
        response = client_for(self.p.director).get(self.url(self.p.outsider))
        self.assertEqual(response.status_code, 404)
        post = client_for(self.p.director).post(
            self.url(self.p.outsider), staff_data(self.p.outsider, alias="x")
        )
        self.assertEqual(post.status_code, 404)

    def test_other_roles_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor):
            response = client_for(user).get(self.url(self.p.counsellor_b))
            self.assertEqual(response.status_code, 403)


class DeactivationTests(PersonaMixin, TestCase):
    def post(self, actor, user, what="deactivate"):
        return client_for(actor).post(f"/accounts/centre/staff/{user.public_id}/{what}/")

    def test_a_deactivated_account_cannot_sign_in_nor_use_its_token_and_keeps_its_records(self):
        contact = start_contact(self.p.counsellor)
        _token, clear = do_issue_api_token(actor=self.p.admin, user=self.p.counsellor, name="x")
        response = self.post(self.p.admin, self.p.counsellor)
        self.assertIn("其记录仍保留其姓名", " ".join(texts(response)))
        self.p.counsellor.refresh_from_db()
        self.assertFalse(self.p.counsellor.is_active)
        self.assertFalse(self.client.login(username="counsellor", password=PASSWORD))
        forget_cached_tokens()
        self.assertIsNone(authenticate_token(clear))
        contact.refresh_from_db()
        self.assertEqual(contact.counsellor_id, self.p.counsellor.pk, "never deleted")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="deactivate", target_id=self.p.counsellor.public_id
            ).exists()
        )
        self.post(self.p.director, self.p.counsellor, "reactivate")
        self.assertTrue(self.client.login(username="counsellor", password=PASSWORD))

    def test_nobody_deactivates_themself(self):
        response = self.post(self.p.director, self.p.director)
        self.assertIn("不能停用自己的账号", " ".join(texts(response)))
        self.p.director.refresh_from_db()
        self.assertTrue(self.p.director.is_active)

    def test_the_last_one_who_runs_the_centre_stays(self):
        # Two directors deactivate each other from pages opened together, with no administrator
        # left: the second change finds no one else running the centre and is refused.
        actions.do_deactivate_staff(actor=self.p.director, staff=self.p.admin)
        deputy = make_user("deputy", self.p.org, Role.DIRECTOR)
        stale_deputy = User.objects.get(pk=deputy.pk)
        actions.do_deactivate_staff(actor=self.p.director, staff=deputy)
        with self.assertRaisesMessage(ValidationError, "最后一位在职"):
            actions.do_deactivate_staff(actor=stale_deputy, staff=self.p.director)
        self.p.director.refresh_from_db()
        self.assertTrue(self.p.director.is_active)

    def test_demoting_the_last_one_who_runs_the_centre_is_refused(self):
        # The director demotes the administrator while the administrator's only ally, a second
        # director, is demoted too: the last change is refused.
        deputy = make_user("deputy", self.p.org, Role.DIRECTOR)
        actions.do_update_staff(
            actor=self.p.director, staff=self.p.admin, data={"role": "auditor"}, seen_at=None
        )
        actions.do_update_staff(
            actor=self.p.director, staff=deputy, data={"role": "counsellor"}, seen_at=None
        )
        stale_deputy = User.objects.get(pk=deputy.pk)
        stale_deputy.role = Role.DIRECTOR
        with self.assertRaisesMessage(ValidationError, "最后一位在职"):
            actions.do_update_staff(
                actor=stale_deputy, staff=self.p.director, data={"role": "auditor"}, seen_at=None
            )
        self.p.director.refresh_from_db()
        self.assertEqual(self.p.director.role, "director")

    def test_only_the_director_gives_or_takes_the_roles_that_see_the_whole_centre(self):
        # The administrator runs accounts, not care: it cannot make itself (or anyone) a
        # supervisor or director, nor remove the director, while the centre has one.
        for role in ("supervisor", "director"):
            with self.assertRaisesMessage(ValidationError, "只有中心负责人"):
                actions.do_invite_staff(
                    actor=self.p.admin, username=f"new_{role}", data={"role": role}
                )
        self.assertFalse(User.objects.filter(username__startswith="new_").exists())
        with self.assertRaisesMessage(ValidationError, "只有中心负责人"):
            actions.do_deactivate_staff(actor=self.p.admin, staff=self.p.director)
        with self.assertRaisesMessage(ValidationError, "只有中心负责人"):
            actions.do_update_staff(
                actor=self.p.admin,
                staff=self.p.counsellor,
                data={"role": "supervisor"},
                seen_at=None,
            )
        with self.assertRaisesMessage(ValidationError, "只有中心负责人"):
            actions.do_update_staff(
                actor=self.p.admin,
                staff=self.p.supervisor,
                data={"role": "counsellor"},
                seen_at=None,
            )
        # Counsellors and auditors it may invite; the director may give any role.
        actions.do_invite_staff(
            actor=self.p.admin, username="new_counsellor", data={"role": "counsellor"}
        )
        actions.do_invite_staff(
            actor=self.p.director, username="new_lead", data={"role": "supervisor"}
        )
        # A centre with no director: the administrator invites the first one (create_centre).
        actions.do_update_staff(
            actor=self.p.director, staff=self.p.admin, data={"role": "admin"}, seen_at=None
        )
        User.objects.filter(pk=self.p.director.pk).update(is_active=False)
        first, _link = actions.do_invite_staff(
            actor=self.p.admin, username="first_director", data={"role": "director"}
        )
        self.assertEqual(first.role, "director")

    def test_other_roles_and_outsiders_are_refused(self):
        for user in (self.p.counsellor, self.p.supervisor, self.p.auditor):
            self.assertEqual(self.post(user, self.p.counsellor_b).status_code, 403)
        other_admin = make_user("other_admin", self.p.other_org, Role.ADMIN)
        self.assertEqual(self.post(other_admin, self.p.counsellor_b).status_code, 404)
        self.p.counsellor_b.refresh_from_db()
        self.assertTrue(self.p.counsellor_b.is_active)


class TwoFactorResetTests(PersonaMixin, TestCase):
    def setUp(self):
        User.objects.filter(pk=self.p.counsellor.pk).update(
            totp_confirmed_at=timezone.now(), totp_secret_encrypted="x", totp_last_step=5
        )
        self.p.counsellor.refresh_from_db()

    def request_reset(self, actor, reason="手机丢失"):
        return client_for(actor).post(
            f"/accounts/centre/staff/{self.p.counsellor.public_id}/2fa-reset/", {"reason": reason}
        )

    def confirm(self, actor, reset):
        return client_for(actor).post(f"/accounts/centre/2fa-resets/{reset.public_id}/confirm/")

    def test_one_asks_and_another_confirms(self):
        self.request_reset(self.p.director)
        reset = TwoFactorReset.objects.get()
        self.assertEqual((reset.requested_by, reset.reason), (self.p.director, "手机丢失"))
        refused = self.confirm(self.p.director, reset)
        self.assertIn("需要第二个人确认", " ".join(texts(refused)))
        self.p.counsellor.refresh_from_db()
        self.assertTrue(self.p.counsellor.has_two_factor, "the one who asked cannot confirm")
        self.confirm(self.p.admin, reset)
        self.p.counsellor.refresh_from_db()
        self.assertFalse(self.p.counsellor.has_two_factor)
        self.assertEqual(self.p.counsellor.totp_secret_encrypted, "")
        self.assertEqual(
            set(AuditEvent.objects.values_list("action", flat=True)),
            {"2fa_reset_request", "2fa_reset"},
        )

    def test_the_second_person_is_not_one_the_requester_made(self):
        # The administrator invites an accomplice (before or after asking): neither confirms.
        accomplice, _link = actions.do_invite_staff(
            actor=self.p.admin, username="accomplice", data={"role": "admin"}
        )
        self.request_reset(self.p.admin)
        reset = TwoFactorReset.objects.get()
        late = make_user("late_director", self.p.org, Role.DIRECTOR)  # joined after the request
        for confirmer in (accomplice, late):
            with self.assertRaisesMessage(ValidationError, "须由另一人确认"):
                actions.do_confirm_two_factor_reset(actor=confirmer, reset=reset)
        self.p.counsellor.refresh_from_db()
        self.assertTrue(self.p.counsellor.has_two_factor)
        actions.do_confirm_two_factor_reset(actor=self.p.director, reset=reset)
        self.p.counsellor.refresh_from_db()
        self.assertFalse(self.p.counsellor.has_two_factor)

    @override_settings(REQUIRE_2FA=True)
    def test_after_the_reset_the_owner_must_enrol_again(self):
        supervisor = self.p.supervisor
        User.objects.filter(pk=supervisor.pk).update(totp_confirmed_at=timezone.now())
        supervisor.refresh_from_db()
        own_client = client_for(supervisor)
        self.assertEqual(own_client.get("/workstation/").status_code, 200)
        reset = actions.do_request_two_factor_reset(
            actor=self.p.admin, staff=supervisor, reason="换了新手机"
        )
        actions.do_confirm_two_factor_reset(actor=self.p.director, reset=reset)
        supervisor.refresh_from_db()
        self.assertFalse(supervisor.has_two_factor)
        self.assertRedirects(
            own_client.get("/workstation/"), "/accounts/2fa/", fetch_redirect_response=False
        )

    def test_an_expired_request_cannot_be_confirmed(self):
        self.request_reset(self.p.director)
        TwoFactorReset.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = self.confirm(self.p.admin, TwoFactorReset.objects.get())
        self.assertIn("已过期", " ".join(texts(response)))
        self.p.counsellor.refresh_from_db()
        self.assertTrue(self.p.counsellor.has_two_factor)

    def test_a_reason_is_needed(self):
        response = self.request_reset(self.p.admin, reason="  ")
        self.assertEqual(response.status_code, 422)
        self.assertFalse(TwoFactorReset.objects.exists())

    def test_nobody_resets_their_own_and_outsiders_are_refused(self):
        User.objects.filter(pk=self.p.admin.pk).update(totp_confirmed_at=timezone.now())
        own = client_for(self.p.admin).post(
            f"/accounts/centre/staff/{self.p.admin.public_id}/2fa-reset/", {"reason": "换手机"}
        )
        self.assertEqual(own.status_code, 403)
        self.assertEqual(self.request_reset(self.p.supervisor).status_code, 403)
        other_director = make_user("other_director", self.p.other_org, Role.DIRECTOR)
        self.assertEqual(self.request_reset(other_director).status_code, 404)
        self.request_reset(self.p.director)
        reset = TwoFactorReset.objects.get()
        self.assertEqual(self.confirm(other_director, reset).status_code, 404)
        self.assertEqual(self.confirm(self.p.counsellor, reset).status_code, 403)
        self.assertEqual(selectors.pending_two_factor_resets(self.p.admin).count(), 1)


class InviteTransactionTests(ProductionTransactionTestCase):
    """The invitation as gunicorn runs it: the account, its link and its audit events commit
    together, and a refused invitation leaves nothing behind."""

    def test_an_invitation_commits_whole_or_not_at_all(self):
        p = make_personas()
        client = client_for(p.admin)
        response = client.post("/accounts/centre/staff/invite/", INVITE)
        self.assertEqual(response.status_code, 200)
        user = User.objects.get(username="wang_xl")
        self.assertEqual(SignInLink.objects.filter(user=user).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(target_id=user.public_id).count(), 2)
        events_before = AuditEvent.objects.count()
        refused = client.post(
            "/accounts/centre/staff/invite/", {**INVITE, "username": "zhao", "alias": "21号"}
        )
        self.assertEqual(refused.status_code, 422)
        self.assertFalse(User.objects.filter(username="zhao").exists())
        self.assertEqual(AuditEvent.objects.count(), events_before)
        self.assertEqual(SignInLink.objects.count(), 1)
