from django.urls import path

from xinyuan.operations.views import complaints, planning, reviews, rota, training, workload

app_name = "operations"
urlpatterns = [
    path("workload/", workload.workload, name="workload"),
    path("workload/limits/", workload.workload_limits, name="workload-limits"),
    # Training and supervision.
    path("training/", training.training_overview, name="training-overview"),
    path("training/mine/", training.my_training, name="my-training"),
    path("training/people/<uuid:public_id>/", training.person_training, name="person-training"),
    path("training/sessions/new/", training.training_session_add, name="training-session-add"),
    path("training/records/new/", training.training_record_add, name="training-record-add"),
    path("supervision/", training.supervision_list, name="supervision-list"),
    path("supervision/new/", training.supervision_add, name="supervision-add"),
    # Call reviews (评价考核).
    path("reviews/", reviews.review_list, name="review-list"),
    path("reviews/mine/", reviews.my_reviews, name="my-reviews"),
    path("reviews/<uuid:public_id>/", reviews.review_detail, name="review-detail"),
    path("reviews/contact/<uuid:public_id>/", reviews.review_add, name="review-add"),
    # Complaints and feedback.
    path("complaints/", complaints.complaint_list, name="complaint-list"),
    path("complaints/new/", complaints.complaint_add, name="complaint-add"),
    path("complaints/<uuid:public_id>/", complaints.complaint_detail, name="complaint-detail"),
    # Service hours, the rota and coverage (OP-01).
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
    # The planning calculator (CM-08, OP-06).
    path("planning/", planning.planning_calculator, name="planning"),
]
