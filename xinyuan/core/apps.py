from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xinyuan.core"
    label = "core"
