from django.urls import path

from xinyuan.reports import views

app_name = "reports"
urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("board/", views.board, name="board"),
    path("board/panel/", views.board_panel, name="board-panel"),
]
