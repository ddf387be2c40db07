"""Who is on duty for the high-risk alerts: those rostered now, or with the duty toggle on.

The rota belongs to ``operations``, above hotline in the layering, so hotline never imports it:
operations registers, in its ``AppConfig.ready``, the condition "has a shift covering now" and
a way to read the user's current shift. Without a rota registered, the toggle alone decides
(as before). See docs/decisions/0014-on-duty-from-the-rota.md.

The condition uses the database's clock (``Now()``), not a value computed in Python, so the
alert panel's compiled statement (``hotline.alerts``) stays one statement per poll with no
parameter that changes with time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import OuterRef, Q

# (user id, or an OuterRef to one) → a condition (Exists) true while the user has a shift now.
_rostered_now: Callable[[Any], Any] | None = None
# user → their shift covering now (with ``seat`` and ``ends_at``), or None.
_current_shift: Callable[[Any], Any] | None = None


def register_rota(*, rostered_now: Callable[[Any], Any], current_shift: Callable[[Any], Any]):
    global _rostered_now, _current_shift
    _rostered_now, _current_shift = rostered_now, current_shift


def rostered_now(user_ref) -> Q:
    """True while the user (an id, or ``OuterRef`` to one) has a shift covering now."""
    if _rostered_now is None:
        return Q(pk__in=[])
    return Q(_rostered_now(user_ref))


def on_duty_users() -> Q:
    """For a ``User`` queryset: on duty — rostered now, or the toggle on (the override)."""
    return Q(is_on_duty=True) | rostered_now(OuterRef("pk"))


def current_shift(user):
    """The user's shift covering now (for the workstation), or None."""
    return _current_shift(user) if _current_shift is not None else None
