from django.urls import path

from xinyuan.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
    path("break-glass/", views.break_glass_list, name="break-glass"),
    path(
        "break-glass/<uuid:public_id>/review/", views.break_glass_review, name="break-glass-review"
    ),
]
