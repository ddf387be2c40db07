from django.urls import path

from xinyuan.cases import views

app_name = "cases"
urlpatterns = [
    path("follow-ups/", views.follow_up_list, name="follow-up-list"),
    path("reminders/<uuid:public_id>/read/", views.reminder_read, name="reminder-read"),
    path("persons/<uuid:public_id>/rule/", views.person_rule_save, name="person-rule"),
    path("persons/<uuid:public_id>/reveal/", views.identity_reveal, name="identity-reveal"),
]
