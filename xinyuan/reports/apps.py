from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _install_rollup_triggers(sender, using="default", **kwargs) -> None:
    from xinyuan.reports.triggers import ensure_triggers

    ensure_triggers(connections[using])


class ReportsConfig(AppConfig):
    name = "xinyuan.reports"
    label = "reports"

    def ready(self) -> None:
        from xinyuan.reports import fonts  # noqa: F401 - registers the deploy check

        post_migrate.connect(_install_rollup_triggers, sender=self)
