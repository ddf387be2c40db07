from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinyuan.cases"
    label = "cases"
