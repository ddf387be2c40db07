from django import template
from django.utils.translation import get_language

from xinyuan.core.locale import join_clauses, join_list

register = template.Library()


@register.filter
def tr(text) -> str:
    """A scale file's text in the interface language."""
    return text.get(get_language()) if text is not None else ""


def _compiled(code: str):
    from xinyuan.assessments import registry

    return registry.get(code)


@register.filter
def scale_abbr(code: str) -> str:
    """A scale's short name as users know it ("PHQ-9"), from its English title's brackets."""
    compiled = _compiled(code)
    if compiled is None:
        return (code or "").upper()
    title = compiled.scale.title.en
    if "(" in title and title.endswith(")"):
        return title[title.rindex("(") + 1 : -1]
    return code.upper()


@register.filter
def band_label(result) -> str:
    """The band of a stored result in words (its code when the scale is no longer offered)."""
    compiled = _compiled(result.scale)
    if compiled is None:
        return result.band
    band = next((b for b in compiled.scale.bands if b.code == result.band), None)
    return band.label.get(get_language()) if band else result.band


@register.filter
def flag_labels(result) -> str:
    """What the critical items answered mean ("thoughts of self-harm …"), joined."""
    compiled = _compiled(result.scale)
    if compiled is None:
        return join_list(result.flags)
    labels = [
        c.label.get(get_language()) for c in compiled.scale.critical_items if c.flag in result.flags
    ]
    return join_clauses(labels)


@register.simple_tag
def scales_offered() -> list:
    """The scales a counsellor may give a caller during a contact (the contact page composes
    the self-assessment app through this tag: the hotline app does not import it)."""
    from xinyuan.assessments import registry

    return [compiled.scale for _code, compiled in sorted(registry.scales().items())]
