from django.urls import path

from xinyuan.reports import views, views_topics

app_name = "reports"
urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("topics/", views_topics.topics_overview, name="topics"),
]
