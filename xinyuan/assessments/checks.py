"""``manage.py check`` reports every scale file that was refused, naming file and problem."""

from django.core.checks import Error, register


@register()
def scale_files(app_configs, **kwargs):
    from xinyuan.assessments import registry

    return [
        Error(f"Scale file refused: {problem}", id="assessments.E001")
        for problem in registry.errors()
    ]
