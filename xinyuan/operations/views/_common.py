from __future__ import annotations

from django.core.exceptions import ValidationError

from xinyuan.core.views_helpers import error_messages


def add_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """An action's refusal onto the form: under the field it names, otherwise at the top. What
    was typed stays in the form."""
    if hasattr(exc, "message_dict"):
        for field, messages in exc.message_dict.items():
            name = (rename or {}).get(field, field)
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error_messages(exc):
            form.add_error(None, message)
