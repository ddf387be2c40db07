from django.urls import path

from xinyuan.hotline import views
from xinyuan.hotline.views import (
    alerts,
    break_glass,
    consents,
    contact,
    data_rights,
    disclosures,
    follow_ups,
    legal_hold,
    notes,
    person_files,
    returning,
    seats,
    session,
)

app_name = "hotline"
urlpatterns = [
    path("", views.home, name="home"),
    path("workstation/", views.workstation, name="workstation"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/start/", views.contact_start, name="contact-start"),
    path("contacts/break-glass/", break_glass.break_glass, name="break-glass"),
    path("contacts/<uuid:public_id>/", contact.contact_detail, name="contact-detail"),
    path("contacts/<uuid:public_id>/file/", person_files.contact_open_file, name="contact-file"),
    path(
        "contacts/<uuid:public_id>/file/link/",
        person_files.contact_link_file,
        name="contact-file-link",
    ),
    path(
        "contacts/<uuid:public_id>/stages/<int:stage>/",
        contact.contact_stage_save,
        name="contact-stage-save",
    ),
    path("contacts/<uuid:public_id>/steps/", contact.contact_protocol_step, name="contact-step"),
    path(
        "contacts/<uuid:public_id>/risk/preview/",
        contact.contact_risk_preview,
        name="contact-risk-preview",
    ),
    path("contacts/<uuid:public_id>/risk/", contact.contact_risk_assess, name="contact-risk"),
    path(
        "contacts/<uuid:public_id>/safety-plan/",
        contact.contact_safety_plan_save,
        name="contact-safety-plan",
    ),
    path(
        "contacts/<uuid:public_id>/follow-ups/",
        contact.contact_follow_up_book,
        name="contact-follow-up-book",
    ),
    path(
        "contacts/<uuid:public_id>/follow-ups/declined/",
        contact.contact_follow_up_declined,
        name="contact-follow-up-declined",
    ),
    path("contacts/<uuid:public_id>/close/", contact.contact_close, name="contact-close"),
    path("contacts/<uuid:public_id>/end-call/", contact.contact_end_call, name="contact-end-call"),
    path(
        "contacts/<uuid:public_id>/alert-status/",
        contact.contact_alert_status,
        name="contact-alert-status",
    ),
    path(
        "contacts/<uuid:public_id>/emergency-calls/",
        contact.contact_emergency_call,
        name="contact-emergency-call",
    ),
    path(
        "contacts/<uuid:public_id>/consents/",
        consents.contact_consent_add,
        name="contact-consent-add",
    ),
    path(
        "contacts/<uuid:public_id>/consents/<uuid:consent_id>/withdraw/",
        consents.contact_consent_withdraw,
        name="contact-consent-withdraw",
    ),
    path(
        "contacts/<uuid:public_id>/legal-hold/",
        legal_hold.contact_legal_hold,
        name="contact-legal-hold",
    ),
    path(
        "contacts/<uuid:public_id>/notes/reveal/",
        notes.contact_notes_reveal,
        name="contact-notes-reveal",
    ),
    path(
        "contacts/<uuid:public_id>/disclosures/",
        disclosures.contact_disclosure_add,
        name="contact-disclosure-add",
    ),
    path(
        "contacts/<uuid:public_id>/end-harassment/",
        contact.contact_end_harassment,
        name="contact-end-harassment",
    ),
    # The review of emergency accesses sits beside the audit trail (/audit/…), where auditors
    # and directors work; the audit app itself knows no domain app.
    path(
        "audit/break-glass/",
        break_glass.break_glass_review_list,
        name="break-glass-review-list",
    ),
    path(
        "audit/break-glass/<uuid:public_id>/review/",
        break_glass.break_glass_review,
        name="break-glass-review",
    ),
    # Recording a follow-up call (the list of due follow-ups is the cases app's /cases/).
    path(
        "cases/follow-ups/<uuid:public_id>/",
        follow_ups.follow_up_record,
        name="follow-up-record",
    ),
    path("persons/<uuid:public_id>/export/", data_rights.person_export, name="person-export"),
    path("persons/<uuid:public_id>/erase/", data_rights.person_erase, name="person-erase"),
    # The returning caller (views/returning.py).
    path(
        "contacts/<uuid:public_id>/safety-plan/carry-forward/",
        returning.contact_plan_carry,
        name="contact-plan-carry",
    ),
    path(
        "contacts/<uuid:public_id>/follow-ups/<uuid:follow_up_id>/take/",
        returning.contact_follow_up_take,
        name="contact-follow-up-take",
    ),
    path(
        "contacts/<uuid:public_id>/caller-notes/",
        returning.contact_caller_note_add,
        name="contact-caller-note-add",
    ),
    path("caller-notes/", returning.caller_note_list, name="caller-note-list"),
    path(
        "caller-notes/<uuid:public_id>/remove/",
        returning.caller_note_remove,
        name="caller-note-remove",
    ),
    path("alerts/panel/", alerts.alerts_panel, name="alerts-panel"),
    path(
        "alerts/<uuid:public_id>/acknowledge/", alerts.alert_acknowledge, name="alert-acknowledge"
    ),
    path("duty/", alerts.duty_toggle, name="duty-toggle"),
    path("session/keepalive/", session.session_keepalive, name="session-keepalive"),
    # Centre administration: the seats (administrators and directors of the centre).
    path("centre/seats/", seats.seat_list, name="seat-list"),
    path("centre/seats/<uuid:public_id>/", seats.seat_rename, name="seat-rename"),
    path("centre/seats/<uuid:public_id>/in-use/", seats.seat_in_use, name="seat-in-use"),
]
