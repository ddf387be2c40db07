from django.urls import path

from xinyuan.operations.views import rota

app_name = "operations"
urlpatterns = [
    path("service-hours/", rota.service_hours, name="service-hours"),
    path("rota/", rota.rota_week, name="rota-week"),
    path("rota/templates/", rota.template_add, name="template-add"),
    path("rota/templates/<uuid:public_id>/remove/", rota.template_remove, name="template-remove"),
    path("rota/apply/", rota.week_apply, name="week-apply"),
    path("rota/shifts/", rota.shift_add, name="shift-add"),
    path("rota/shifts/<uuid:public_id>/assign/", rota.shift_assign, name="shift-assign"),
    path("rota/shifts/<uuid:public_id>/sign-up/", rota.shift_sign_up, name="shift-sign-up"),
    path("rota/shifts/<uuid:public_id>/ask/", rota.shift_ask, name="shift-ask"),
    path("rota/requests/<uuid:public_id>/", rota.request_respond, name="request-respond"),
    path("coverage/", rota.coverage, name="coverage"),
]
