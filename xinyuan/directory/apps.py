from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "xinyuan.directory"
    label = "directory"
