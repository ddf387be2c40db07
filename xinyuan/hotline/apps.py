from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "xinyuan.hotline"
    label = "hotline"

    def ready(self) -> None:
        from django.core import checks

        from xinyuan.hotline import alerts, audit_hooks, timeline_sources
        from xinyuan.hotline.checks import demo_accounts_in_production

        audit_hooks.register()
        alerts.register()
        timeline_sources.register()
        checks.register(demo_accounts_in_production, checks.Tags.security, checks.Tags.database)
