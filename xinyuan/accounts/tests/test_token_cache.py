"""A bearer token found valid is not looked up again for API_TOKEN_CACHE_SECONDS in a worker;
revoking it in that worker ends it at once, elsewhere within that time."""

from datetime import timedelta
from unittest import mock

from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinyuan.accounts import actions
from xinyuan.accounts.models import ApiToken, TokenScope, User
from xinyuan.core.testing import PersonaMixin


@override_settings(API_TOKEN_CACHE_SECONDS=10)
class TokenCacheTests(PersonaMixin, TestCase):
    def setUp(self):
        actions.forget_cached_tokens()
        self.token, self.clear = actions.do_issue_api_token(
            actor=self.p.counsellor, user=self.p.counsellor, name="switch"
        )

    def tearDown(self):
        actions.forget_cached_tokens()

    def test_a_valid_token_is_looked_up_once(self):
        self.assertEqual(actions.authenticate_token(self.clear), self.p.counsellor)
        with CaptureQueriesContext(connection) as queries:
            user = actions.authenticate_token(self.clear)
        self.assertEqual(user, self.p.counsellor)
        self.assertEqual(len(queries), 0)
        user.is_on_duty = True  # a request's own copy
        self.assertFalse(actions.authenticate_token(self.clear).is_on_duty)

    def test_revoking_ends_the_token_at_once_in_this_worker(self):
        actions.authenticate_token(self.clear)
        actions.do_revoke_api_token(actor=self.p.admin, token=self.token)
        self.assertIsNone(actions.authenticate_token(self.clear))

    def test_elsewhere_a_revocation_or_deactivation_holds_within_the_cache_time(self):
        actions.authenticate_token(self.clear)
        ApiToken.objects.filter(pk=self.token.pk).update(revoked_at=timezone.now())
        User.objects.filter(pk=self.p.counsellor.pk).update(is_active=False)
        self.assertIsNotNone(actions.authenticate_token(self.clear), "another worker's revoke")
        later = actions.time.monotonic() + 11
        with mock.patch.object(actions.time, "monotonic", return_value=later):
            self.assertIsNone(actions.authenticate_token(self.clear))

    def test_an_expired_token_is_refused_even_from_the_cache(self):
        ApiToken.objects.filter(pk=self.token.pk).update(
            expires_at=timezone.now() + timedelta(seconds=1)
        )
        actions.authenticate_token(self.clear)
        with mock.patch.object(
            actions.timezone, "now", return_value=timezone.now() + timedelta(seconds=2)
        ):
            self.assertIsNone(actions.authenticate_token(self.clear))

    def test_the_cache_keeps_the_scope_of_the_switchs_token(self):
        _token, switch = actions.do_issue_api_token(
            actor=self.p.admin, user=self.p.counsellor, name="pbx", scope=TokenScope.CALL_EVENTS
        )
        self.assertEqual(actions.token_holder(switch), (self.p.counsellor, TokenScope.CALL_EVENTS))
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(actions.token_holder(switch)[1], TokenScope.CALL_EVENTS)
            self.assertIsNone(actions.authenticate_token(switch), "not a token acting as its user")
            self.assertEqual(
                actions.authenticate_token(switch, scope=TokenScope.CALL_EVENTS),
                self.p.counsellor,
            )
        self.assertEqual(len(queries), 0, "all from the cache")
