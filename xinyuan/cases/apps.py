from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinyuan.cases"
    label = "cases"

    def ready(self) -> None:
        from xinyuan.cases import audit_hooks, timeline_sources
        from xinyuan.cases.actions import do_rotate_identity_keys
        from xinyuan.core.crypto import register_key_rotation

        register_key_rotation("identities", lambda batch: do_rotate_identity_keys(batch_size=batch))
        audit_hooks.register()
        timeline_sources.register()
