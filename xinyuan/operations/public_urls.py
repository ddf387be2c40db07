"""The public complaints and feedback form (no sign-in), at /feedback/<centre>/."""

from django.urls import path

from xinyuan.operations.views import feedback

app_name = "feedback"
urlpatterns = [
    path("<uuid:centre>/", feedback.feedback_form, name="form"),
    path("<uuid:centre>/sent/", feedback.feedback_sent, name="sent"),
]
