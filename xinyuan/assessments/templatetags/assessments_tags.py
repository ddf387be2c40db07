from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def tr(text) -> str:
    """A scale file's text in the interface language."""
    return text.get(get_language()) if text is not None else ""
