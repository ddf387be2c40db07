from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xinyuan.audit"
    label = "audit"

    def ready(self) -> None:
        from xinyuan.audit.shred import rewrap_all
        from xinyuan.core.crypto import register_key_rotation

        register_key_rotation("audit_keys", lambda batch: rewrap_all(batch_size=batch))
