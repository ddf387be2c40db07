from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "xinyuan.assessments"
    label = "assessments"

    def ready(self) -> None:
        from xinyuan.assessments import checks  # noqa: F401  (registers the system check)
