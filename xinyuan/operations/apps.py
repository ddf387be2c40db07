from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "xinyuan.operations"
    label = "operations"
