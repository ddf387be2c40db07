from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "xinyuan.hotline"
    label = "hotline"
