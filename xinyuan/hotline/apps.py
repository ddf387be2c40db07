from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "xinyuan.hotline"
    label = "hotline"

    def ready(self) -> None:
        from xinyuan.hotline import alerts, audit_hooks

        audit_hooks.register()
        alerts.register()
