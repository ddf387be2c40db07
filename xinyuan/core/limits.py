"""Limits on what users and integrations may send, in one place.

``FREE_TEXT_MAX_LENGTH`` caps every free-text field: the HTML forms (``core.forms.BootstrapMixin``
gives every text field of every form this limit, or its own smaller one) and the API schemas
use the same number. A longer text is refused with a message naming the field and the limit;
nothing of it is stored (a 1,000,000-character paste would otherwise be kept and copied into
the audit trail at every autosave).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FREE_TEXT_MAX_LENGTH = 20_000

# A form field's message (Django's ``max_length`` code): the page shows it under the field's
# label, the autosave status line after the field's name.
TOO_LONG = gettext_lazy(
    "At most %(limit_value)s characters; this has %(show_value)s. "
    "Shorten it and save again: what you typed is still here."
)


def check_length(value: str | None, *, field: str, label, limit: int = FREE_TEXT_MAX_LENGTH):
    """For text that reaches an action without a form: refuse it, naming the field."""
    if value and len(value) > limit:
        raise ValidationError(
            {
                field: _("%(field)s: at most %(limit)s characters; this has %(count)s.")
                % {"field": label, "limit": limit, "count": len(value)}
            }
        )
