"""The access matrix: every URL pattern and API operation × every role × own/other organisation.

Each route has one entry in ``MATRIX``: the HTTP method, the record its URL names (if any), the
data it is sent, and the status each role of the record's organisation gets. The same role in
another organisation gets the same answer for routes without a record, and 404 (never the
record) where the route names one, unless the role is refused outright (403, or sent to sign
in). A route that exists without an entry here fails ``test_every_route_has_an_entry``: a new
view cannot ship without someone deciding who may use it.

Every request runs in a savepoint that is rolled back, so each role meets the same records. The
savepoint is marked as the test's own (as Django marks a TestCase's transaction), so an action
that forgot its own transaction fails here as in production; and the client answers a server
error as a 500 instead of raising it, as production does.
Set ``ACCESS_MATRIX_PRINT=1`` to print the answers actually given (to review a new entry).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from config.api import api
from xinyuan.accounts import actions as account_actions
from xinyuan.accounts.models import Region, Role, User
from xinyuan.assessments import actions as assessment_actions
from xinyuan.cases.actions.caller_notes import do_set_caller_note
from xinyuan.cases.actions.reminders import do_send_follow_up_reminders
from xinyuan.cases.models import Consent, FollowUp, FollowUpReminder
from xinyuan.core.testing import make_personas, make_user
from xinyuan.hotline import actions as hotline_actions
from xinyuan.hotline.actions.break_glass import do_open_break_glass
from xinyuan.hotline.models import RiskAlert
from xinyuan.hotline.tests.factories import FULL_PLAN, high_risk_contact, start_contact
from xinyuan.operations.actions.complaints import do_record_complaint
from xinyuan.operations.actions.reviews import do_review_contact
from xinyuan.operations.tests.factories import closed_contact

ANON = "anonymous"
ROLES = [
    ANON,
    Role.COUNSELLOR,
    Role.SUPERVISOR,
    Role.DIRECTOR,
    Role.AUDITOR,
    Role.ADMIN,
    Role.REGION_OFFICER,
]
LOGIN = 0  # a redirect to the sign-in page (a browser page sends an anonymous visitor there)


@dataclass(frozen=True)
class Entry:
    method: str
    # role → status for a user of the record's own organisation (LOGIN: sent to sign in)
    expect: dict[str, int]
    # which record the URL names: contact, alert, follow_up, reminder, person, token,
    # break_glass
    obj: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    json: bool = False


def row(*answers: int) -> dict[str, int]:
    """Answers in the order of ROLES: anonymous, counsellor, supervisor, director, auditor,
    admin, health-commission officer."""
    return dict(zip(ROLES, answers, strict=True))


RISK_INPUT = {"ideation": False, "hopelessness": 2, "has_plan": False}

# Keys: a URL name (namespace:name) for pages, "METHOD /api/v1/path" for API operations.
MATRIX: dict[str, Entry] = {
    # Public --------------------------------------------------------------------------------
    "healthz": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "set_language": Entry("POST", row(302, 302, 302, 302, 302, 302, 302), data={"language": "en"}),
    "accounts:login": Entry("GET", row(200, 302, 302, 302, 302, 302, 302)),
    "accounts:login-2fa": Entry("GET", row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "accounts:logout": Entry("POST", row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    # Own account ---------------------------------------------------------------------------
    "accounts:2fa-setup": Entry("GET", row(LOGIN, 200, 200, 200, 200, 200, 200)),
    # Administration ------------------------------------------------------------------------
    "accounts:tokens": Entry("GET", row(LOGIN, 403, 403, 403, 403, 200, 403)),
    "accounts:token-revoke": Entry("POST", row(LOGIN, 403, 403, 403, 403, 302, 403), obj="token"),
    # Centre administration: administrators and directors of the centre.
    "accounts:centre": Entry("GET", row(LOGIN, 403, 403, 200, 403, 200, 403)),
    "accounts:staff-list": Entry("GET", row(LOGIN, 403, 403, 200, 403, 200, 403)),
    "accounts:staff-invite": Entry("GET", row(LOGIN, 403, 403, 200, 403, 200, 403)),
    "accounts:staff-edit": Entry("GET", row(LOGIN, 403, 403, 200, 403, 200, 403), obj="staff"),
    "accounts:staff-deactivate": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 302, 403), obj="staff"
    ),
    "accounts:staff-reactivate": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 302, 403), obj="staff"
    ),
    "accounts:staff-sign-in-link": Entry(
        "POST", row(LOGIN, 403, 403, 200, 403, 200, 403), obj="invitee"
    ),
    "accounts:staff-2fa-reset": Entry(
        "POST",
        row(LOGIN, 403, 403, 302, 403, 302, 403),
        obj="staff",
        data={"reason": "手机丢失"},
    ),
    # The director asked for this reset: a second person (the administrator) confirms it; the
    # director is sent back with the reason (tested in accounts/tests/test_centre_admin.py).
    "accounts:2fa-reset-confirm": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 302, 403), obj="two_factor_reset"
    ),
    "hotline:seat-list": Entry("GET", row(LOGIN, 403, 403, 200, 403, 200, 403)),
    "hotline:seat-rename": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 302, 403), obj="seat", data={"code": "A09"}
    ),
    "hotline:seat-in-use": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 302, 403), obj="seat", data={"in_use": "0"}
    ),
    # A one-time set-password link: public; an unknown key is a 404 page for everyone.
    "accounts:set-password": Entry("GET", row(404, 404, 404, 404, 404, 404, 404)),
    # Audit ---------------------------------------------------------------------------------
    "audit:events": Entry("GET", row(LOGIN, 403, 403, 200, 200, 403, 403)),
    "hotline:break-glass-review-list": Entry("GET", row(LOGIN, 403, 403, 200, 200, 403, 403)),
    "hotline:break-glass-review": Entry(
        "POST", row(LOGIN, 403, 403, 302, 302, 403, 403), obj="break_glass"
    ),
    # Statistics (aggregated) ---------------------------------------------------------------
    "reports:statistics": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    # Operations: load and burn-out signals (OP-02) ------------------------------------------
    "operations:workload": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "operations:workload-limits": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 403)),
    # The live board: one centre's operational data, for its supervisors and director.
    "reports:board": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "reports:board-panel": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "reports:report": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    "reports:work-report": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    "reports:work-report-xlsx": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    "reports:work-report-pdf": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    # Only the centre's director signs its work report; a month that has ended.
    "reports:work-report-sign-off": Entry(
        "POST",
        row(LOGIN, 403, 403, 302, 403, 403, 403),
        data={"period": "month", "day": "2026-01-01"},
    ),
    "reports:topics": Entry("GET", row(LOGIN, 403, 403, 200, 403, 403, 200)),
    # Hotline -------------------------------------------------------------------------------
    "hotline:home": Entry("GET", row(LOGIN, 302, 302, 302, 302, 302, 302)),
    "hotline:workstation": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "hotline:contact-list": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "hotline:contact-start": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), data={"channel": "phone"}
    ),
    "hotline:break-glass": Entry("GET", row(LOGIN, 403, 200, 403, 403, 403, 403)),
    "hotline:contact-detail": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="contact"),
    "hotline:contact-stage-save": Entry(
        "POST", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="contact", data={"version": "0"}
    ),
    "hotline:contact-step": Entry(
        "POST", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="contact", data={"step": "x"}
    ),
    "hotline:contact-risk-preview": Entry(
        "POST", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-risk": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="contact"),
    "hotline:contact-safety-plan": Entry(
        "POST", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-follow-up-book": Entry(
        "POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-follow-up-declined": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-close": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="contact"),
    "hotline:contact-end-call": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-alert-status": Entry(
        "GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-emergency-call": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-disclosure-add": Entry(
        "POST", row(LOGIN, 422, 422, 422, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-legal-hold": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-notes-reveal": Entry(
        "POST", row(LOGIN, 403, 403, 302, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-consent-add": Entry(
        "POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-consent-withdraw": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"
    ),
    "hotline:contact-end-harassment": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"
    ),
    # The returning caller: the caller of "contact" rings again ("returning_contact").
    "hotline:contact-plan-carry": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="returning_contact"
    ),
    "hotline:contact-follow-up-take": Entry(
        "GET", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="returning_contact"
    ),
    "hotline:contact-caller-note-add": Entry(
        "POST", row(LOGIN, 403, 422, 422, 403, 403, 403), obj="returning_contact"
    ),
    "hotline:caller-note-list": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "hotline:caller-note-remove": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="caller_note"
    ),
    "hotline:person-export": Entry("POST", row(LOGIN, 403, 403, 302, 403, 403, 403), obj="person"),
    "hotline:person-erase": Entry("POST", row(LOGIN, 403, 403, 302, 403, 403, 403), obj="person"),
    "hotline:alerts-panel": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "hotline:alert-acknowledge": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="alert"
    ),
    "hotline:duty-toggle": Entry("POST", row(LOGIN, 403, 302, 302, 403, 403, 403)),
    "hotline:session-keepalive": Entry("POST", row(LOGIN, 200, 200, 200, 200, 200, 200)),
    # Cases ---------------------------------------------------------------------------------
    "cases:follow-up-list": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "hotline:follow-up-record": Entry(
        "GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="follow_up"
    ),
    "cases:reminder-read": Entry("POST", row(LOGIN, 302, 404, 404, 403, 403, 403), obj="reminder"),
    "cases:person-rule": Entry("POST", row(LOGIN, 302, 302, 302, 403, 403, 403), obj="person"),
    "cases:identity-reveal": Entry("POST", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="person"),
    # Operations: training and supervision, call reviews, complaints ------------------------
    "operations:training-overview": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:my-training": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403)),
    "operations:person-training": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="staff_member"
    ),
    "operations:training-session-add": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:training-record-add": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:supervision-list": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "operations:supervision-add": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:review-list": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:my-reviews": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403)),
    "operations:review-detail": Entry(
        "GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="review"
    ),
    # A supervisor reviews a colleague's closed contact; the counsellor who handled it may not.
    "operations:review-add": Entry(
        "GET", row(LOGIN, 403, 200, 403, 403, 403, 403), obj="closed_contact"
    ),
    "operations:complaint-list": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:complaint-add": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:complaint-detail": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="complaint"
    ),
    # The public feedback form beside the self-test portal ("sent" without a message sent from
    # this browser goes back to the form).
    "feedback:form": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "feedback:sent": Entry("GET", row(302, 302, 302, 302, 302, 302, 302)),
    # Rota (operations) ---------------------------------------------------------------------
    # Read by those who work shifts; the director (and the centre's administrator) sets the
    # service hours; supervisors and directors build the rota; counsellors and supervisors sign
    # up and ask for swaps. "shift" is an open future shift; "shift_request" an open
    # substitution asked by the counsellor.
    "operations:service-hours": Entry("GET", row(LOGIN, 200, 200, 200, 403, 200, 403)),
    "operations:rota-week": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "operations:coverage": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    # The planning calculator: numbers in, numbers out (no record, so no other centre's data).
    "operations:planning": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "operations:template-add": Entry("POST", row(LOGIN, 403, 422, 422, 403, 403, 403)),
    "operations:template-remove": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="shift_template"
    ),
    "operations:week-apply": Entry("POST", row(LOGIN, 403, 302, 302, 403, 403, 403)),
    "operations:shift-add": Entry("POST", row(LOGIN, 403, 422, 422, 403, 403, 403)),
    "operations:shift-assign": Entry("POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="shift"),
    "operations:shift-sign-up": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="shift"
    ),
    "operations:shift-ask": Entry("POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="shift"),
    "operations:request-respond": Entry(
        "POST", row(LOGIN, 302, 302, 302, 403, 403, 403), obj="shift_request"
    ),
    # API -----------------------------------------------------------------------------------
    "api:openapi-json": Entry("GET", row(LOGIN, 200, 200, 200, 200, 200, 200)),
    "api:openapi-view": Entry("GET", row(LOGIN, 200, 200, 200, 200, 200, 200)),
    "POST /api/v1/risk/evaluate": Entry(
        "POST", row(401, 200, 200, 200, 403, 403, 403), data=RISK_INPUT, json=True
    ),
    "POST /api/v1/contacts": Entry(
        "POST", row(401, 201, 201, 403, 403, 403, 403), data={"channel": "phone"}, json=True
    ),
    "GET /api/v1/contacts": Entry("GET", row(401, 200, 200, 200, 403, 403, 403)),
    # Only the telephone switch's own token (scope call_events) reports call events: every
    # session is refused (hotline/tests/test_call_events.py has the tokens); names no record.
    "POST /api/v1/call-events": Entry(
        "POST",
        row(401, 403, 403, 403, 403, 403, 403),
        data={"call_ref": "sw-matrix", "kind": "offered", "occurred_at": "2026-01-05T10:00:00"},
        json=True,
    ),
    "GET /api/v1/reports/summary": Entry(
        "GET",
        row(401, 403, 403, 200, 403, 403, 200),
        data={"from": "2026-01-01", "to": "2026-01-31", "group_by": "week"},
    ),
    # The directory of partner institutions (decision 0018): the centre's staff look it up,
    # supervisors, directors and the centre's administrator keep it; not the auditor nor a
    # region's officer. Another centre's entry is not found.
    "GET /api/v1/directory": Entry("GET", row(401, 200, 200, 200, 403, 200, 403)),
    "directory:institution-list": Entry("GET", row(LOGIN, 200, 200, 200, 403, 200, 403)),
    "directory:institution-export": Entry("GET", row(LOGIN, 200, 200, 200, 403, 200, 403)),
    "directory:institution-add": Entry("GET", row(LOGIN, 403, 200, 200, 403, 200, 403)),
    "directory:institution-import": Entry("GET", row(LOGIN, 403, 200, 200, 403, 200, 403)),
    "directory:institution-edit": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 200, 403), obj="institution"
    ),
    "directory:institution-deactivate": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 302, 403), obj="institution", data={"version": 1}
    ),
    "directory:institution-reactivate": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 302, 403), obj="institution", data={"version": 1}
    ),
    # Scales and scoring store nothing: public, like the self-test portal.
    "GET /api/v1/scales": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "GET /api/v1/scales/{code}/fhir": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    # The public self-test portal (a result page opens only on the device that took the test).
    "assessments:portal-index": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "assessments:portal-start": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "assessments:portal-question": Entry("GET", row(302, 302, 302, 302, 302, 302, 302)),
    "assessments:portal-result": Entry("GET", row(404, 404, 404, 404, 404, 404, 404)),
    "assessments:portal-callback": Entry(
        "POST", row(404, 404, 404, 404, 404, 404, 404), data={"phone": "13800138000"}
    ),
    "assessments:portal-campaign": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    "assessments:portal-personal": Entry("GET", row(200, 200, 200, 200, 200, 200, 200)),
    # Staff: tasks from self-tests, campaigns, archives.
    "assessments:task-list": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403)),
    "assessments:task-detail": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="task"),
    "assessments:task-take": Entry("POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="task"),
    "assessments:task-done": Entry("POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="task"),
    "assessments:task-phone": Entry("POST", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="task"),
    "assessments:campaign-list": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "assessments:campaign-detail": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="campaign"
    ),
    "assessments:campaign-qr": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="campaign"
    ),
    "assessments:campaign-participants": Entry(
        "POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="identified_campaign"
    ),
    "assessments:person-archive": Entry(
        "GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="person"
    ),
    "assessments:person-fhir": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="person"),
    "POST /api/v1/scales/{code}/score": Entry(
        "POST", row(200, 200, 200, 200, 200, 200, 200), data={"answers": [0] * 9}, json=True
    ),
    # The person's file (CM-01, decision 0020): the centre's supervisors and directors, and the
    # counsellor whose caller it is; directors read and assign but do not write in files.
    "cases:file-list": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403)),
    "cases:file-detail": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="file"),
    "cases:file-pdf": Entry("GET", row(LOGIN, 200, 200, 200, 403, 403, 403), obj="file"),
    "cases:file-edit": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="file"),
    "cases:file-level": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:file-status": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:file-note": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:file-assign": Entry("POST", row(LOGIN, 403, 422, 422, 403, 403, 403), obj="file"),
    # The file is the counsellor's (they opened it): they, and those who call back, may reveal.
    "cases:file-reveal": Entry("POST", row(LOGIN, 422, 422, 422, 403, 403, 403), obj="file"),
    "cases:referral-new": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="file"),
    "cases:report-new": Entry("GET", row(LOGIN, 200, 200, 403, 403, 403, 403), obj="file"),
    "cases:referral-status": Entry(
        "POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="referral"
    ),
    "cases:report-ack": Entry(
        "POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="community_report"
    ),
    "cases:report-close": Entry(
        "POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="community_report"
    ),
    "cases:file-follow-up": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:follow-up-policy": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "cases:file-merge": Entry("POST", row(LOGIN, 403, 422, 422, 403, 403, 403), obj="file"),
    "cases:merge-undo": Entry("POST", row(LOGIN, 403, 302, 302, 403, 403, 403), obj="merge"),
    "cases:file-need": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:need-status": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="need"),
    # The intervention plan (CM-03): written by those who write in the file.
    "cases:plan-new": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="file"),
    "cases:plan-update": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="plan"),
    "cases:plan-session": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="plan"),
    "cases:plan-end": Entry("POST", row(LOGIN, 422, 422, 403, 403, 403, 403), obj="plan"),
    # Care teams (CM-08): kept by those who assign files.
    "cases:team-list": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403)),
    "cases:team-edit": Entry("GET", row(LOGIN, 403, 200, 200, 403, 403, 403), obj="team"),
    "hotline:contact-file": Entry("POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact"),
    "hotline:contact-file-link": Entry(
        "POST", row(LOGIN, 302, 302, 403, 403, 403, 403), obj="contact", data={"label": "C-X"}
    ),
    "GET /api/v1/persons/{public_id}": Entry(
        "GET", row(401, 200, 200, 200, 403, 403, 403), obj="file"
    ),
    "GET /api/v1/follow-ups": Entry("GET", row(401, 200, 200, 200, 403, 403, 403)),
    # A person nobody has: 404 for those who may refer, 403 for the others.
    "POST /api/v1/referrals": Entry(
        "POST",
        row(401, 404, 404, 403, 403, 403, 403),
        data={
            "person": "00000000-0000-4000-8000-000000000000",
            "institution": "00000000-0000-4000-8000-000000000000",
            "reason": "评估",
            "urgency": "soon",
            "consent_basis": "consented",
        },
        json=True,
    ),
    "PATCH /api/v1/referrals/{public_id}": Entry(
        "PATCH",
        row(401, 200, 200, 403, 403, 403, 403),
        obj="referral",
        data={"status": "accepted", "version": 1},
        json=True,
    ),
    "GET /api/v1/contacts/{public_id}": Entry(
        "GET", row(401, 200, 200, 200, 403, 403, 403), obj="contact"
    ),
    "POST /api/v1/contacts/{public_id}/notes/reveal": Entry(
        "POST",
        row(401, 403, 403, 200, 403, 403, 403),
        obj="contact",
        data={"reason": "核查投诉需要阅读记录原文"},
        json=True,
    ),
    "PATCH /api/v1/contacts/{public_id}": Entry(
        "PATCH",
        row(401, 200, 200, 403, 403, 403, 403),
        obj="contact",
        data={"version": 1},
        json=True,
    ),
}

# Routes that exist only in some configurations (never in the test settings).
CONDITIONAL = {"django.contrib.staticfiles.views.serve", "bench_floor"}


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, name, pattern) of every URL pattern, with namespaces joined."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            joined = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), joined)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern


def api_operations():
    """ "METHOD /api/v1/path" of every django-ninja operation."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    full = "/api/v1" + (prefix.rstrip("/") + "/" + path.lstrip("/")).rstrip("/")
                    yield f"{method} {full}"


def route_keys() -> set[str]:
    keys = set(api_operations())
    for _route, name, pattern in url_patterns():
        if (
            name
            and name.startswith("api:")
            and name not in ("api:openapi-json", "api:openapi-view")
        ):
            continue  # API operations are listed by method above
        keys.add(name or pattern.lookup_str)
    return keys


class AccessMatrixTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        p = cls.p = make_personas()
        cls.own = {
            Role.COUNSELLOR: p.counsellor,
            Role.SUPERVISOR: p.supervisor,
            Role.DIRECTOR: p.director,
            Role.AUDITOR: p.auditor,
            Role.ADMIN: p.admin,
            Role.REGION_OFFICER: p.officer,
        }
        cls.other = {
            Role.COUNSELLOR: p.outsider,
            Role.SUPERVISOR: p.outsider_supervisor,
            Role.DIRECTOR: make_user("other_director", p.other_org, Role.DIRECTOR),
            Role.AUDITOR: make_user("other_auditor", p.other_org, Role.AUDITOR),
            Role.ADMIN: make_user("other_admin", p.other_org, Role.ADMIN),
            Role.REGION_OFFICER: make_user(
                "other_officer",
                None,
                Role.REGION_OFFICER,
                region=Region.objects.create(name="另一地区卫生健康委员会"),
            ),
        }
        contact = high_risk_contact(p.counsellor, caller_number="13800138000")
        follow_up = hotline_actions.do_book_follow_up(
            actor=p.counsellor, contact=contact, consent_given=True
        )
        hotline_actions.do_save_safety_plan(actor=p.counsellor, contact=contact, data=FULL_PLAN)
        returning = start_contact(p.counsellor, caller_number="13800138000")
        note = do_set_caller_note(
            actor=p.supervisor,
            person=contact.person,
            text="问候后礼貌结束通话",
            expires_at=timezone.now() + timedelta(days=7),
        )
        # The counsellor's "due soon" reminder (a supervisor or director of the centre gets 404:
        # it is not addressed to them).
        do_send_follow_up_reminders(now=follow_up.due_at - timedelta(minutes=30))
        _token, clear = account_actions.do_issue_api_token(
            actor=p.admin, user=p.counsellor, name="switch"
        )
        (grant,) = do_open_break_glass(
            actor=make_user("grant_holder", p.other_org, Role.SUPERVISOR),
            contacts=[contact],
            reason="来电者有极高风险，需了解既往情况",
        )
        campaign = assessment_actions.do_create_campaign(
            actor=p.director,
            name="春季筛查",
            scales=["phq9"],
            groups=["一班"],
            starts_on=date.today(),
            ends_on=date.today(),
            identified=False,
        )
        identified = assessment_actions.do_create_campaign(
            actor=p.director,
            name="职工筛查",
            scales=["phq9"],
            groups=[],
            starts_on=date.today(),
            ends_on=date.today(),
            identified=True,
        )
        (participant,) = assessment_actions.do_add_participants(
            actor=p.director, campaign=identified, lines="E-001"
        )
        result, _created = assessment_actions.do_submit(
            scale_code="phq9",
            answers=[0] * 8 + [1],
            organisation=p.org,
            submission_key="matrix",
            language="zh-hans",
        )
        assessment_actions.do_request_callback(
            assessment=result, phone="13800138001", preferred_time=""
        )
        closed = closed_contact(p.counsellor)
        review = do_review_contact(
            actor=p.supervisor,
            contact=closed,
            process_score=4,
            attitude_score=5,
            communication_score=4,
        )
        complaint = do_record_complaint(
            actor=p.supervisor,
            kind="complaint",
            channel="phone",
            received_at=timezone.now(),
            text="接线员态度不耐烦",
        )
        from datetime import time as clock

        from xinyuan.operations.actions import rota
        from xinyuan.operations.tests.factories import at, shift

        day = date.today() + timedelta(days=3)
        open_shift = shift(p.seat, at(day, 8))
        template = rota.do_add_shift_template(
            actor=p.supervisor, weekday=2, starts_at=clock(8), ends_at=clock(12), seat=p.seat
        )
        shift_request = rota.do_ask_shift_change(
            actor=p.counsellor, shift=shift(p.seat, at(day, 14), user=p.counsellor),
            kind="substitute",
        )  # fmt: skip
        # Centre administration: an account with two-factor sign-in, an invited one, and a
        # reset of the supervisor's two-factor sign-in asked by the director.
        from xinyuan.accounts.actions import centre as centre_actions

        User.objects.filter(pk__in=[p.counsellor_b.pk, p.supervisor.pk]).update(
            totp_confirmed_at=timezone.now()
        )
        p.supervisor.refresh_from_db()
        invitee, _link = centre_actions.do_invite_staff(
            actor=p.admin, username="invitee", data={"role": Role.COUNSELLOR}
        )
        reset = centre_actions.do_request_two_factor_reset(
            actor=p.director, staff=p.supervisor, reason="手机丢失"
        )
        from xinyuan.directory.actions import do_create_institution

        institution = do_create_institution(
            actor=p.supervisor,
            data={"name": "市精神卫生中心", "kind": "psychiatric_hospital", "phone": "120"},
        )
        from xinyuan.cases.actions import files as file_actions
        from xinyuan.hotline.actions.person_files import do_open_file_from_contact

        file_person = do_open_file_from_contact(actor=p.counsellor, contact=closed)
        referral = file_actions.do_create_referral(
            actor=p.counsellor,
            person=file_person,
            institution=institution,
            data={"reason": "评估", "urgency": "soon", "consent_basis": "consented"},
        )
        community_report = file_actions.do_file_community_report(
            actor=p.counsellor,
            person=file_person,
            data={"risk": "自杀风险", "street_contact": "街道张主任", "method": "phone"},
        )
        from xinyuan.cases.actions.merge import do_merge_persons

        merged_away = do_open_file_from_contact(
            actor=p.counsellor, contact=start_contact(p.counsellor, caller_number="13800000777")
        )
        merge = do_merge_persons(
            actor=p.supervisor, source=merged_away, target=file_person, reason="同一人"
        )
        need = file_actions.do_add_need(
            actor=p.counsellor,
            person=file_person,
            data={"kind": "financial", "description": "失业"},
        )
        from xinyuan.cases.actions.plans import do_create_plan
        from xinyuan.cases.actions.teams import do_save_team

        plan = do_create_plan(
            actor=p.counsellor,
            person=file_person,
            data={"approaches": ["individual"], "goals": "稳定情绪"},
        )
        team = do_save_team(
            actor=p.supervisor, data={"name": "心理救援队", "members": [p.counsellor]}
        )
        cls.slugs = {"slug": campaign.slug, "token": participant.token}
        cls.objects = {
            "task": result.tasks.get(kind="urgent").public_id,
            "self_assessment": result.public_id,
            "campaign": campaign.public_id,
            "identified_campaign": identified.public_id,
            "consent": Consent.objects.get(contact=contact).public_id,
            "break_glass": grant.public_id,
            "contact": contact.public_id,
            "returning_contact": returning.public_id,
            "caller_note": note.public_id,
            "alert": RiskAlert.objects.get(contact=contact).public_id,
            "follow_up": FollowUp.objects.get(pk=follow_up.pk).public_id,
            "reminder": FollowUpReminder.objects.get(follow_up=follow_up).public_id,
            "person": contact.person.public_id,
            "token": _token.public_id,
            "staff_member": p.counsellor.public_id,
            "closed_contact": closed.public_id,
            "review": review.public_id,
            "complaint": complaint.public_id,
            "shift": open_shift.public_id,
            "shift_template": template.public_id,
            "shift_request": shift_request.public_id,
            "staff": p.counsellor_b.public_id,
            "invitee": invitee.public_id,
            "two_factor_reset": reset.public_id,
            "seat": p.seat.public_id,
            "institution": institution.public_id,
            "file": file_person.public_id,
            "referral": referral.public_id,
            "community_report": community_report.public_id,
            "merge": merge.public_id,
            "need": need.public_id,
            "plan": plan.public_id,
            "team": team.public_id,
        }

    def url_for(self, key: str, entry: Entry) -> str:
        if key.startswith(("GET ", "POST ", "PATCH ", "PUT ", "DELETE ")):
            path = key.split(" ", 1)[1]
            path = path.replace("{code}", "phq9")
            return path.replace("{public_id}", str(self.objects.get(entry.obj or "", "")))
        from django.urls import reverse

        kwargs: dict[str, Any] = {}
        if entry.obj:
            kwargs["public_id"] = self.objects[entry.obj]
        if key == "hotline:contact-stage-save":
            kwargs["stage"] = 1
        if key == "hotline:contact-follow-up-take":
            kwargs["follow_up_id"] = self.objects["follow_up"]
        if key == "hotline:contact-consent-withdraw":
            kwargs["consent_id"] = self.objects["consent"]
        if key in ("assessments:portal-start", "assessments:portal-question"):
            kwargs["code"] = "phq9"
        if key == "assessments:portal-question":
            kwargs["number"] = 1
        if key in ("assessments:portal-result", "assessments:portal-callback"):
            kwargs["public_id"] = self.objects["self_assessment"]
        if key == "accounts:set-password":
            kwargs["key"] = "not-a-valid-link"
        if key == "assessments:portal-campaign":
            kwargs["slug"] = self.slugs["slug"]
        if key == "assessments:portal-personal":
            kwargs["token"] = self.slugs["token"]
        if key in ("feedback:form", "feedback:sent"):
            kwargs["centre"] = self.p.org.public_id
        return reverse(key, kwargs=kwargs or None)

    def answer(self, user, key: str, entry: Entry) -> int:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        url = self.url_for(key, entry)
        # Rolled back after each request; marked as a test's block so that it does not stand in
        # for the atomic block an action forgot (audit.record refuses to run without one).
        wrapper = transaction.atomic()
        wrapper._from_testcase = True
        with wrapper:
            if entry.json:
                response = client.generic(
                    entry.method,
                    url,
                    data=__import__("json").dumps(entry.data),
                    content_type="application/json",
                )
            elif entry.method == "GET":
                response = client.get(url, entry.data)
            else:
                response = client.generic(
                    entry.method,
                    url,
                    data=__import__("urllib.parse").parse.urlencode(entry.data),
                    content_type="application/x-www-form-urlencoded",
                )
            transaction.set_rollback(True)
        if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
            return LOGIN
        return response.status_code

    def test_every_route_has_an_entry(self):
        missing = sorted(route_keys() - set(MATRIX) - CONDITIONAL)
        self.assertEqual(missing, [], "routes without an entry in the access matrix")
        stale = sorted(set(MATRIX) - route_keys())
        self.assertEqual(stale, [], "entries for routes that no longer exist")

    def test_each_role_of_each_organisation_gets_the_expected_answer(self):
        printing = os.environ.get("ACCESS_MATRIX_PRINT") == "1"
        for key, entry in MATRIX.items():
            for role in ROLES:
                expected_own = entry.expect[role]
                refused = expected_own in (LOGIN, 401, 403) or role == ANON
                expected_other = expected_own if (refused or not entry.obj) else 404
                pairs = [("own", self.own.get(role), expected_own)]
                if role != ANON:
                    pairs.append(("other", self.other[role], expected_other))
                for org, user, expected in pairs:
                    with self.subTest(route=key, role=str(role), organisation=org):
                        got = self.answer(user, key, entry)
                        if printing:
                            print(f"{key:45} {role:12} {org:6} {got}")
                        self.assertEqual(got, expected)
