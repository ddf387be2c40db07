"""Panels that apps above hotline add to the workstation (hotline never imports them): each
registers, in its ``AppConfig.ready``, a function of the user returning ``(template, context)``
to include, or None when it has nothing for this user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_panels: list[Callable[[Any], tuple[str, dict] | None]] = []


def register_workstation_panel(panel: Callable[[Any], tuple[str, dict] | None]) -> None:
    if panel not in _panels:
        _panels.append(panel)


def workstation_panels(user) -> list[tuple[str, dict]]:
    return [shown for shown in (panel(user) for panel in _panels) if shown is not None]
