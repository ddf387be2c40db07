from django.urls import path

from xinyuan.cases import file_views, plan_views, team_views, views

app_name = "cases"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow-up-list"),
    path("reminders/<uuid:public_id>/read/", views.reminder_read, name="reminder-read"),
    path("persons/<uuid:public_id>/rule/", views.person_rule_save, name="person-rule"),
    path("persons/<uuid:public_id>/reveal/", views.identity_reveal, name="identity-reveal"),
    # The person's file (CM-01), referrals (CM-05), high-risk reports (CM-06).
    path("files/", file_views.file_list, name="file-list"),
    path("files/<uuid:public_id>/", file_views.file_detail, name="file-detail"),
    path("files/<uuid:public_id>/edit/", file_views.file_edit, name="file-edit"),
    path("files/<uuid:public_id>/level/", file_views.file_level, name="file-level"),
    path("files/<uuid:public_id>/status/", file_views.file_status, name="file-status"),
    path("files/<uuid:public_id>/assign/", file_views.file_assign, name="file-assign"),
    path("files/<uuid:public_id>/notes/", file_views.file_note, name="file-note"),
    path("files/<uuid:public_id>/reveal/", file_views.file_reveal, name="file-reveal"),
    path("files/<uuid:public_id>/pdf/", file_views.file_pdf, name="file-pdf"),
    path("files/<uuid:public_id>/follow-ups/", file_views.file_follow_up, name="file-follow-up"),
    path("follow-up-policy/", file_views.follow_up_policy, name="follow-up-policy"),
    path("files/<uuid:public_id>/merge/", file_views.file_merge, name="file-merge"),
    path("merges/<uuid:public_id>/undo/", file_views.merge_undo, name="merge-undo"),
    path("files/<uuid:public_id>/needs/", file_views.file_need, name="file-need"),
    path("needs/<uuid:public_id>/status/", file_views.need_status, name="need-status"),
    path("files/<uuid:public_id>/referrals/new/", file_views.referral_new, name="referral-new"),
    path("files/<uuid:public_id>/reports/new/", file_views.report_new, name="report-new"),
    path("referrals/<uuid:public_id>/status/", file_views.referral_status, name="referral-status"),
    path("reports/<uuid:public_id>/acknowledge/", file_views.report_acknowledge, name="report-ack"),
    path("reports/<uuid:public_id>/close/", file_views.report_close, name="report-close"),
    # The intervention plan (CM-03) and the teams files are assigned to (CM-08).
    path("files/<uuid:public_id>/plans/", plan_views.plan_new, name="plan-new"),
    path("plans/<uuid:public_id>/", plan_views.plan_update, name="plan-update"),
    path("plans/<uuid:public_id>/sessions/", plan_views.plan_session, name="plan-session"),
    path("plans/<uuid:public_id>/end/", plan_views.plan_end, name="plan-end"),
    path("teams/", team_views.team_list, name="team-list"),
    path("teams/<uuid:public_id>/", team_views.team_edit, name="team-edit"),
]
