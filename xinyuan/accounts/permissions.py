"""Named permissions per role: the one place that says who may do what.

Selectors scope *which records* an actor sees; these names say *which actions* a role may take.
"""

from xinyuan.accounts.models import Role

HANDLE_CONTACTS = "handle_contacts"  # start and record contacts
VIEW_ORG_CONTACTS = "view_org_contacts"  # see every contact of the organisation
REVEAL_CALLER_IDENTITY = "reveal_caller_identity"  # may call back: sees the number on request
ACKNOWLEDGE_ALERTS = "acknowledge_alerts"
PERFORM_FOLLOW_UPS = "perform_follow_ups"
SET_MANAGEMENT_RULE = "set_management_rule"
MANAGE_TOKENS = "manage_tokens"
VIEW_AUDIT = "view_audit"
BREAK_GLASS = "break_glass"  # open another centre's contact of the region in an emergency
SET_LEGAL_HOLD = "set_legal_hold"  # keep a record whole past its retention period
HANDLE_DATA_REQUESTS = "handle_data_requests"  # PIPL: export a person's data, erase on request
VIEW_STATISTICS = "view_statistics"  # aggregated numbers only: the centre's, or the region's
# Free-text clinical notes (what the caller said, the counsellor's notes, the safety plan): read
# by those who work with the caller; a director reads them only after stating why (audited).
READ_CLINICAL_NOTES = "read_clinical_notes"
# Self-assessment (AS-02 … AS-04): work the tasks a self-test creates; see individual results and
# archives; run screening campaigns.
HANDLE_SELF_TEST_TASKS = "handle_self_test_tasks"
VIEW_SELF_TEST_RESULTS = "view_self_test_results"
MANAGE_CAMPAIGNS = "manage_campaigns"
REVEAL_CLINICAL_NOTES = "reveal_clinical_notes"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COUNSELLOR: frozenset(
        {
            HANDLE_CONTACTS,
            PERFORM_FOLLOW_UPS,
            SET_MANAGEMENT_RULE,
            READ_CLINICAL_NOTES,
            HANDLE_SELF_TEST_TASKS,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            HANDLE_CONTACTS,
            VIEW_ORG_CONTACTS,
            REVEAL_CALLER_IDENTITY,
            ACKNOWLEDGE_ALERTS,
            PERFORM_FOLLOW_UPS,
            SET_MANAGEMENT_RULE,
            BREAK_GLASS,
            READ_CLINICAL_NOTES,
            HANDLE_SELF_TEST_TASKS,
            VIEW_SELF_TEST_RESULTS,
            MANAGE_CAMPAIGNS,
        }
    ),
    Role.DIRECTOR: frozenset(
        {
            VIEW_ORG_CONTACTS,
            REVEAL_CALLER_IDENTITY,
            ACKNOWLEDGE_ALERTS,
            SET_MANAGEMENT_RULE,
            VIEW_AUDIT,
            VIEW_STATISTICS,
            SET_LEGAL_HOLD,
            HANDLE_DATA_REQUESTS,
            REVEAL_CLINICAL_NOTES,
            VIEW_SELF_TEST_RESULTS,
            MANAGE_CAMPAIGNS,
        }
    ),
    Role.AUDITOR: frozenset({VIEW_AUDIT}),
    Role.ADMIN: frozenset({MANAGE_TOKENS}),
    Role.REGION_OFFICER: frozenset({VIEW_STATISTICS}),
}


def has_perm(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role == Role.REGION_OFFICER:
        if user.region_id is None:
            return False
    elif user.organisation_id is None and user.role != Role.ADMIN:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())
