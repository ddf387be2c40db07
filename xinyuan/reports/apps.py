from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xinyuan.reports"
    label = "reports"

    def ready(self) -> None:
        from xinyuan.reports import fonts  # noqa: F401 - registers the deploy check
