from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xinyuan.reports"
    label = "reports"
