from django.urls import path

from xinyuan.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="events"),
]
