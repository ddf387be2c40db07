from django import forms
from django.core.validators import MaxLengthValidator

from xinyuan.core.limits import FREE_TEXT_MAX_LENGTH, TOO_LONG


class BootstrapMixin:
    """Gives every widget the Bootstrap class it needs, and every text field a length limit
    (``core/limits.py``) with a message giving the limit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            elif isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if isinstance(widget, forms.Textarea):
                if str(widget.attrs.get("rows", "10")) == "10":  # Django's default is too tall
                    widget.attrs["rows"] = 3
            if isinstance(field, forms.CharField) and not isinstance(field, forms.UUIDField):
                limit_text(field)


def limit_text(field: forms.CharField) -> None:
    """Cap a text field at FREE_TEXT_MAX_LENGTH (or its own smaller limit). No ``maxlength``
    attribute is added: a browser would cut a long paste silently, whereas the server's refusal
    names the field and the limit and the page keeps every character typed."""
    if field.max_length is None or int(field.max_length) > FREE_TEXT_MAX_LENGTH:
        field.max_length = FREE_TEXT_MAX_LENGTH
        field.validators = [
            v for v in field.validators if not isinstance(v, MaxLengthValidator)
        ] + [MaxLengthValidator(FREE_TEXT_MAX_LENGTH)]
    field.error_messages = {**field.error_messages, "max_length": TOO_LONG}


class FastSelect(forms.Select):
    """A ``<select>`` rendered in Python: Django renders every ``<option>`` through a template,
    which costs tens of milliseconds for a list of staff or institutions on a busy page (the
    person's file). Same markup and attributes as ``forms.Select``; no option groups."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.html import format_html, format_html_join
        from django.utils.safestring import mark_safe

        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in selected else "", label)
                for key, label in self.choices
            ),
        )
        attributes = format_html_join(
            " ", '{}="{}"', ((k, v) for k, v in final.items() if v is not False and v is not None)
        )
        return format_html('<select name="{}" {}>{}</select>', name, attributes, options)
