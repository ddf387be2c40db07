from django.urls import path

from xinyuan.assessments.views import portal, staff

app_name = "assessments"
urlpatterns = [
    # Public: the self-test portal.
    path("s/", portal.portal_index, name="portal-index"),
    path("s/c/<slug:slug>/", portal.campaign_landing, name="portal-campaign"),
    path("s/p/<slug:token>/", portal.campaign_landing, name="portal-personal"),
    path("s/result/<uuid:public_id>/", portal.portal_result, name="portal-result"),
    path("s/result/<uuid:public_id>/callback/", portal.portal_callback, name="portal-callback"),
    path("s/<slug:code>/", portal.portal_start, name="portal-start"),
    path("s/<slug:code>/q/<int:number>/", portal.portal_question, name="portal-question"),
    # Staff.
    path("assessments/tasks/", staff.task_list, name="task-list"),
    path("assessments/tasks/<uuid:public_id>/", staff.task_detail, name="task-detail"),
    path("assessments/tasks/<uuid:public_id>/take/", staff.task_take, name="task-take"),
    path("assessments/tasks/<uuid:public_id>/done/", staff.task_done, name="task-done"),
    path("assessments/tasks/<uuid:public_id>/phone/", staff.task_phone, name="task-phone"),
    path("assessments/campaigns/", staff.campaign_list, name="campaign-list"),
    path("assessments/campaigns/<uuid:public_id>/", staff.campaign_detail, name="campaign-detail"),
    path("assessments/campaigns/<uuid:public_id>/qr.svg", staff.campaign_qr, name="campaign-qr"),
    path(
        "assessments/campaigns/<uuid:public_id>/participants/",
        staff.campaign_participants,
        name="campaign-participants",
    ),
    path("assessments/persons/<uuid:public_id>/", staff.person_archive, name="person-archive"),
    path("assessments/persons/<uuid:public_id>/fhir/", staff.person_fhir, name="person-fhir"),
]
