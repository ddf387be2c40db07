"""Fuzzing the JSON API from its own OpenAPI schema (schemathesis): no input, valid or hostile,
may make the server fail (5xx). Runs in-process against the WSGI app, as a signed-in counsellor
with a bearer token, on the database the suite runs on."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from config.api import api
from xinyuan.accounts.actions import do_issue_api_token
from xinyuan.core.testing import make_personas
from xinyuan.hotline.tests.factories import high_risk_contact

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Django closes the database connection when a request finishes; inside a test's
    transaction it must stay open (as Django's own test client arranges)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db):
    personas = make_personas()
    high_risk_contact(personas.counsellor, caller_number="13800138000")
    _token, clear = do_issue_api_token(actor=None, user=personas.counsellor, name="fuzz")
    return {"Authorization": f"Bearer {clear}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_input_makes_the_api_fail(case, bearer):
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])
