from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "xinyuan.assessments"
    label = "assessments"

    def ready(self) -> None:
        from xinyuan.assessments import alerts, checks, timeline_sources  # noqa: F401
        from xinyuan.assessments.actions import anonymise_participants, expire_callback_numbers
        from xinyuan.hotline.actions.retention import (
            register_person_anonymiser,
            register_retention_step,
        )

        register_retention_step("callback_numbers", expire_callback_numbers)
        register_person_anonymiser(anonymise_participants)
        alerts.register()
        timeline_sources.register()
