from django.urls import path

from xinyuan.reports import views, views_topics

app_name = "reports"
urlpatterns = [
    path("", views.report, name="report"),
    path("statistics/", views.statistics, name="statistics"),
    path("work-report/", views.work_report, name="work-report"),
    path("work-report/xlsx", views.work_report_xlsx, name="work-report-xlsx"),
    path("work-report/pdf", views.work_report_pdf, name="work-report-pdf"),
    path("work-report/sign-off", views.work_report_sign_off, name="work-report-sign-off"),
    path("board/", views.board, name="board"),
    path("board/panel/", views.board_panel, name="board-panel"),
    path("topics/", views_topics.topics_overview, name="topics"),
]
