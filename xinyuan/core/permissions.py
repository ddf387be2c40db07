"""Named permissions per role: the one place that says who may do what.

Selectors scope *which records* an actor sees; these names say *which actions* a role may take.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor / duty lead")
    DIRECTOR = "director", _("Director")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    # A health-commission officer: aggregated statistics of the region's centres, never a record.
    REGION_OFFICER = "region_officer", _("Health-commission officer")


HANDLE_CONTACTS = "handle_contacts"  # start and record contacts
VIEW_ORG_CONTACTS = "view_org_contacts"  # see every contact of the organisation
# Take over or complete a colleague's contact, start one for a colleague (the duty lead).
TAKE_OVER_CONTACTS = "take_over_contacts"
REVEAL_CALLER_IDENTITY = "reveal_caller_identity"  # may call back: sees the number on request
ACKNOWLEDGE_ALERTS = "acknowledge_alerts"  # sees and takes the centre's high-risk alerts
SET_DUTY = "set_duty"  # marks themself on duty (receives alerts) or off duty
PERFORM_FOLLOW_UPS = "perform_follow_ups"
SET_MANAGEMENT_RULE = "set_management_rule"
# A time-limited note on a caller shown on their every next contact ("end politely after
# greeting"), like Aselo's profile flags: set and removed by supervisors and directors.
SET_CALLER_NOTE = "set_caller_note"
MANAGE_TOKENS = "manage_tokens"
# Run the centre: its profile, seats and staff accounts (invite, edit, deactivate, reset of
# two-factor sign-in by a second person). Only for the user's own centre.
MANAGE_CENTRE = "manage_centre"
VIEW_AUDIT = "view_audit"
BREAK_GLASS = "break_glass"  # open another centre's contact of the region in an emergency
SET_LEGAL_HOLD = "set_legal_hold"  # keep a record whole past its retention period
HANDLE_DATA_REQUESTS = "handle_data_requests"  # PIPL: export a person's data, erase on request
VIEW_STATISTICS = "view_statistics"  # aggregated numbers only: the centre's, or the region's
# The centre's live board (值班看板): who staffs which seat, contacts in progress, open alerts,
# follow-ups due, today's volume. Live operational data of one centre: not a region's officer.
VIEW_LIVE_BOARD = "view_live_board"
# Aggregated numbers of every centre of the user's region (health commission), never a record.
VIEW_REGION_STATISTICS = "view_region_statistics"
# The director signs the centre's official work report (心理援助热线工作报表) in the app.
SIGN_OFF_WORK_REPORT = "sign_off_work_report"
# Free-text clinical notes (what the caller said, the counsellor's notes, the safety plan): read
# by those who work with the caller; a director reads them only after stating why (audited).
READ_CLINICAL_NOTES = "read_clinical_notes"
REVEAL_CLINICAL_NOTES = "reveal_clinical_notes"
# Self-assessment (AS-02 … AS-04): work the tasks a self-test creates; see individual results and
# archives; run screening campaigns.
HANDLE_SELF_TEST_TASKS = "handle_self_test_tasks"
VIEW_SELF_TEST_RESULTS = "view_self_test_results"
MANAGE_CAMPAIGNS = "manage_campaigns"
# May be issued an API token by an administrator (a telephone switch acts as a counsellor); an
# admin may not act as someone who sees the whole organisation's records or the audit trail.
HOLD_ADMIN_ISSUED_TOKEN = "hold_admin_issued_token"  # noqa: S105 - a permission name
# Running the centre (OP-03, HL-15): record training and supervision sessions and see the
# centre's training; rate a colleague's closed contact (评价考核) and see the centre's reviews;
# handle complaints and feedback.
MANAGE_TRAINING = "manage_training"
REVIEW_CALLS = "review_calls"
VIEW_CALL_REVIEWS = "view_call_reviews"
HANDLE_COMPLAINTS = "handle_complaints"

# Load and burn-out signals (OP-02): each person's hours, nights, rest and high-risk contacts of
# the week. Supervisors and directors see the whole centre's; whoever takes calls sees their own;
# the director sets the centre's limits.
VIEW_STAFF_WORKLOAD = "view_staff_workload"
VIEW_OWN_WORKLOAD = "view_own_workload"
SET_WORKLOAD_LIMITS = "set_workload_limits"
# The rota (OP-01): see the week's shifts, the coverage and the service hours; sign up for open
# shifts and ask to swap or hand over one's own; build the rota (templates, assignment,
# approving swaps); set the centre's service hours and seats; be told of coverage gaps.
VIEW_ROTA = "view_rota"
SIGN_UP_FOR_SHIFTS = "sign_up_for_shifts"
MANAGE_ROTA = "manage_rota"
MANAGE_SERVICE_HOURS = "manage_service_hours"
HEAR_OF_COVERAGE_GAPS = "hear_of_coverage_gaps"
# The planning calculator (CM-08, OP-06): workers, assessments and individual sessions needed
# for counts of people, from the seed documents' ratios. Numbers in, numbers out: no record.
USE_PLANNING_CALCULATOR = "use_planning_calculator"
# The centre's directory of partner institutions (OP-05, decision 0018): everyone who works for
# the centre looks a partner up (a counsellor refers a caller); supervisors, directors and the
# centre's administrator keep it (add, edit, deactivate, import). Not the auditor (no part of
# the centre's work with callers) nor a region's officer (no centre): neither sees it.
VIEW_DIRECTORY = "view_directory"
MANAGE_DIRECTORY = "manage_directory"
# The person's file (一人一档, CM-01, decision 0020). Who sees which file is the selector's
# (``cases.selectors.files_visible_to``): the centre's supervisors and directors every file, a
# counsellor the files assigned to them and of the people whose contacts or follow-ups they
# had. Those who work with callers write in a file (basic information, level, status, notes,
# referrals, high-risk reports); supervisors and directors assign files and see the caseload.
VIEW_CASE_FILES = "view_case_files"
EDIT_CASE_FILES = "edit_case_files"
ASSIGN_CASES = "assign_cases"
# The centre's follow-up policy (CM-04): its schedule and intervals, set by supervisors and
# directors.
SET_FOLLOW_UP_POLICY = "set_follow_up_policy"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COUNSELLOR: frozenset(
        {
            HANDLE_CONTACTS,
            PERFORM_FOLLOW_UPS,
            SET_MANAGEMENT_RULE,
            READ_CLINICAL_NOTES,
            HANDLE_SELF_TEST_TASKS,
            HOLD_ADMIN_ISSUED_TOKEN,
            VIEW_OWN_WORKLOAD,
            VIEW_ROTA,
            SIGN_UP_FOR_SHIFTS,
            VIEW_DIRECTORY,
            VIEW_CASE_FILES,
            EDIT_CASE_FILES,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            HANDLE_CONTACTS,
            VIEW_ORG_CONTACTS,
            TAKE_OVER_CONTACTS,
            REVEAL_CALLER_IDENTITY,
            ACKNOWLEDGE_ALERTS,
            SET_DUTY,
            VIEW_LIVE_BOARD,
            PERFORM_FOLLOW_UPS,
            SET_MANAGEMENT_RULE,
            SET_CALLER_NOTE,
            BREAK_GLASS,
            READ_CLINICAL_NOTES,
            HANDLE_SELF_TEST_TASKS,
            VIEW_SELF_TEST_RESULTS,
            MANAGE_CAMPAIGNS,
            VIEW_OWN_WORKLOAD,
            VIEW_STAFF_WORKLOAD,
            MANAGE_TRAINING,
            REVIEW_CALLS,
            VIEW_CALL_REVIEWS,
            HANDLE_COMPLAINTS,
            VIEW_ROTA,
            SIGN_UP_FOR_SHIFTS,
            MANAGE_ROTA,
            USE_PLANNING_CALCULATOR,
            VIEW_DIRECTORY,
            MANAGE_DIRECTORY,
            VIEW_CASE_FILES,
            EDIT_CASE_FILES,
            ASSIGN_CASES,
            SET_FOLLOW_UP_POLICY,
        }
    ),
    Role.DIRECTOR: frozenset(
        {
            VIEW_ORG_CONTACTS,
            REVEAL_CALLER_IDENTITY,
            ACKNOWLEDGE_ALERTS,
            SET_DUTY,
            VIEW_LIVE_BOARD,
            SET_MANAGEMENT_RULE,
            SET_CALLER_NOTE,
            VIEW_AUDIT,
            VIEW_STATISTICS,
            SIGN_OFF_WORK_REPORT,
            SET_LEGAL_HOLD,
            HANDLE_DATA_REQUESTS,
            REVEAL_CLINICAL_NOTES,
            VIEW_SELF_TEST_RESULTS,
            MANAGE_CAMPAIGNS,
            VIEW_STAFF_WORKLOAD,
            SET_WORKLOAD_LIMITS,
            MANAGE_TRAINING,
            VIEW_CALL_REVIEWS,
            HANDLE_COMPLAINTS,
            VIEW_ROTA,
            MANAGE_ROTA,
            MANAGE_SERVICE_HOURS,
            HEAR_OF_COVERAGE_GAPS,
            MANAGE_CENTRE,
            USE_PLANNING_CALCULATOR,
            VIEW_DIRECTORY,
            MANAGE_DIRECTORY,
            VIEW_CASE_FILES,
            ASSIGN_CASES,
            SET_FOLLOW_UP_POLICY,
        }
    ),
    Role.AUDITOR: frozenset({VIEW_AUDIT}),
    Role.ADMIN: frozenset(
        {MANAGE_TOKENS, MANAGE_SERVICE_HOURS, MANAGE_CENTRE, VIEW_DIRECTORY, MANAGE_DIRECTORY}
    ),
    Role.REGION_OFFICER: frozenset({VIEW_STATISTICS, VIEW_REGION_STATISTICS}),
}
# Roles that belong to a region (a health commission) rather than to a centre.
REGIONAL_ROLES = frozenset({Role.REGION_OFFICER})
# Roles that hold no centre's records and may exist without one (the platform's administrator).
UNATTACHED_ROLES = frozenset({Role.ADMIN})
# Roles whose sign-in needs a second factor when XINYUAN_REQUIRE_2FA is on: those who see the
# whole centre's records or administer it.
TWO_FACTOR_ROLES = frozenset({Role.SUPERVISOR, Role.DIRECTOR, Role.ADMIN})


def has_perm(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in REGIONAL_ROLES:
        if user.region_id is None:
            return False
    elif user.organisation_id is None and user.role not in UNATTACHED_ROLES:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def has_any(user, *permissions: str) -> bool:
    return any(has_perm(user, name) for name in permissions)


def roles_with(permission: str) -> list[str]:
    """The roles that hold a permission (for selectors: "the centre's supervisors on duty")."""
    return [str(role) for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def granted(user) -> dict[str, bool]:
    """Every permission name → whether the user holds it (templates: ``can.view_audit``)."""
    names = {name for names in ROLE_PERMISSIONS.values() for name in names}
    return {name: has_perm(user, name) for name in names}


def needs_two_factor(user) -> bool:
    return getattr(user, "role", None) in TWO_FACTOR_ROLES
