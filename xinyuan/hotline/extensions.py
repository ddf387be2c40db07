"""Hooks a higher app fills in (its ``AppConfig.ready``) to add to the hotline's pages without
the hotline importing it: notices and panels on a user's workstation, links on a contact's page.

A notice function takes the user and returns notices (it may query, once); a panel function
takes the user and returns ``(template, context)`` to include, or None when it has nothing for
this user; a link function takes the ``ContactAccess`` and decides from it alone (no query: the
contact page's query count is tested)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Notice:
    text: str
    url: str = ""
    link_text: str = ""
    level: str = "warning"  # a Bootstrap alert colour
    testid: str = "notice"


@dataclass(frozen=True)
class Link:
    text: str
    url: str
    testid: str = "contact-link"


_workstation_notices: list[Callable[[Any], list[Notice]]] = []
_contact_links: list[Callable[[Any], list[Link]]] = []
_workstation_panels: list[Callable[[Any], tuple[str, dict] | None]] = []


def register_workstation_notices(source: Callable[[Any], list[Notice]]) -> None:
    if source not in _workstation_notices:
        _workstation_notices.append(source)


def register_contact_links(source: Callable[[Any], list[Link]]) -> None:
    if source not in _contact_links:
        _contact_links.append(source)


def workstation_notices(user) -> list[Notice]:
    return [notice for source in _workstation_notices for notice in source(user)]


def contact_links(access) -> list[Link]:
    return [link for source in _contact_links for link in source(access)]


def register_workstation_panel(panel: Callable[[Any], tuple[str, dict] | None]) -> None:
    if panel not in _workstation_panels:
        _workstation_panels.append(panel)


def workstation_panels(user) -> list[tuple[str, dict]]:
    return [shown for shown in (panel(user) for panel in _workstation_panels) if shown is not None]
