from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xinyuan.audit"
    label = "audit"
