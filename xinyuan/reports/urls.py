from django.urls import path

from xinyuan.reports import views

app_name = "reports"
urlpatterns = [path("statistics/", views.statistics, name="statistics")]
