from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "xinyuan.assessments"
    label = "assessments"

    def ready(self) -> None:
        from xinyuan.assessments import checks  # noqa: F401  (registers the system check)
        from xinyuan.assessments.actions import expire_callback_numbers
        from xinyuan.hotline.actions.retention import register_retention_step

        register_retention_step("callback_numbers", expire_callback_numbers)
