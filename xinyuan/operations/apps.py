from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "xinyuan.operations"
    label = "operations"

    def ready(self):
        from xinyuan.operations import hooks

        hooks.register()
