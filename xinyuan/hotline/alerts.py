"""The supervisors' alert panel: its sources, its order, and the fingerprint of its state.

Every open page of a supervisor or director polls the panel every ``ALERT_POLL_SECONDS``. The
panel is built from *alert sources*: hotline's own (high-risk contacts, below) and those of apps
above it, which register in their ``AppConfig.ready`` (assessments: serious self-test results)
— hotline never imports them.

A source gives, for a user,

- ``state(user)``: a queryset of at most one row ``(kind, lines, items, last_change)`` over the
  source's open items (None when the user may not see them). The states of all sources are
  read in **one** statement (a UNION ALL): the poll that finds nothing new costs that statement
  and nothing else (no template, no session write);
- ``lines(user, limit)``: the newest ``limit`` lines, each an ``AlertLine``.

The panel shows counts by kind at the top, then at most ``MAX_LINES`` lines, most severe first
(imminent > high > serious self-test), newest first within a level, one line per contact and
folded self-test floods as one line; the rest is "and N more" with a link to the full list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Case, CharField, Count, Exists, Max, OuterRef, QuerySet, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from xinyuan.core import permissions
from xinyuan.core.compiled import CompiledQuery

MAX_LINES = 8

# Severity of a line: higher first.
IMMINENT = 30
HIGH = 20
URGENT_SELF_TEST = 10


@dataclass(frozen=True)
class AlertLine:
    kind: str
    severity: int
    created_at: datetime
    template: str  # renders the line; it gets ``line`` (and ``obj`` is the record)
    obj: Any
    folded: int = 0  # how many further items from the same origin this line stands for


@dataclass(frozen=True)
class AlertSource:
    kind: str
    label: Any  # lazily translated name of the kind, for the counts at the top
    state: Callable[[Any], QuerySet | None]
    lines: Callable[[Any, int], list[AlertLine]]
    full_list: Callable[[], str]  # URL of the full list ("and N more")
    order: int = 0  # position in the counts at the top


_sources: dict[str, AlertSource] = {}


def register_alert_source(source: AlertSource) -> None:
    _sources[source.kind] = source


def alert_sources() -> list[AlertSource]:
    return sorted(_sources.values(), key=lambda s: s.order)


@dataclass
class PanelState:
    """What the user's panel would show, in numbers: ``counts[kind] = (lines, items)``."""

    counts: dict[str, tuple[int, int]]
    fingerprint: str


@dataclass
class Panel:
    state: PanelState
    lines: list[AlertLine]
    counts: list[tuple[AlertSource, int]]  # kinds with open items, and how many items
    more: list[tuple[AlertSource, int]] = field(default_factory=list)  # kinds cut, how many

    @property
    def more_total(self) -> int:
        return sum(n for _source, n in self.more)


def _states(user) -> QuerySet | None:
    parts = [qs for qs in (source.state(user) for source in alert_sources()) if qs is not None]
    if not parts:
        return None
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _states_for_shape(shape, values) -> QuerySet:
    """The sources' states for a stand-in of any centre user of this shape (role, active) in
    centre ``values["organisation"]``; its id is a value too, so a source that filters by the
    user gets the real one."""
    from xinyuan.accounts.models import User
    from xinyuan.hotline.models import RiskAlert

    role, is_active, is_on_duty, _kinds = shape
    stand_in = User(
        pk=values["user"],
        role=role,
        is_active=is_active,
        is_on_duty=is_on_duty,
        organisation_id=values["organisation"],
    )
    states = _states(stand_in)
    return states if states is not None else RiskAlert.objects.none()


def _compiled_states() -> CompiledQuery:
    from xinyuan.hotline.models import RiskAlert

    global _STATES
    if _STATES is None:
        _STATES = CompiledQuery(RiskAlert, _states_for_shape, {"organisation": int, "user": int})
    return _STATES


# The poll asks for the states every few seconds on every supervisor's page: compiled once per
# shape of user (core/compiled.py), "nothing new" costs the statement, not compiling its SQL.
_STATES: CompiledQuery | None = None


def panel_state(user) -> PanelState:
    """The state of every source, in one statement, and its fingerprint."""
    rows: list[tuple]
    if user.organisation_id is None or getattr(user, "region_id", None) is not None:
        states = _states(user)  # not a centre's staff: the ORM's way
        rows = list(states) if states is not None else []
    else:
        # The shape: what besides the centre decides the SQL (the role's permissions, whether
        # the account is active, whether on duty, the sources registered).
        shape = (
            user.role,
            user.is_active,
            user.is_on_duty,
            tuple(s.kind for s in alert_sources()),
        )
        values = {"organisation": user.organisation_id, "user": user.pk}
        rows = _compiled_states().rows(shape, values)
    counts = {kind: (lines, items) for kind, lines, items, _last in rows if lines}
    described = sorted(
        f"{kind}:{lines}:{items}:{last.isoformat() if last else ''}"
        for kind, lines, items, last in rows
        if lines
    )
    fingerprint = hashlib.sha256("|".join(described).encode()).hexdigest()[:20]
    return PanelState(counts=counts, fingerprint=fingerprint)


def build_panel(user, state: PanelState | None = None, max_lines: int = MAX_LINES) -> Panel:
    state = state or panel_state(user)
    by_kind = {source.kind: source for source in alert_sources()}
    lines: list[AlertLine] = []
    for kind in state.counts:
        lines += by_kind[kind].lines(user, max_lines)
    # Most severe first, newest first within a level.
    lines.sort(key=lambda line: (-line.severity, -line.created_at.timestamp()))
    shown = lines[:max_lines]
    shown_per_kind: dict[str, int] = {}
    for line in shown:
        shown_per_kind[line.kind] = shown_per_kind.get(line.kind, 0) + 1
    counts, more = [], []
    for source in alert_sources():
        if source.kind not in state.counts:
            continue
        total_lines, items = state.counts[source.kind]
        counts.append((source, items))
        hidden = total_lines - shown_per_kind.get(source.kind, 0)
        if hidden > 0:
            more.append((source, hidden))
    return Panel(state=state, lines=shown, counts=counts, more=more)


# Hotline's own source: high-risk contacts -----------------------------------------------------


def _open_alerts(user):
    from xinyuan.hotline.selectors import alerts_shown_to

    if not permissions.has_perm(user, permissions.ACKNOWLEDGE_ALERTS):
        return None
    return alerts_shown_to(user).filter(acknowledged_at__isnull=True)


def _contact_state(user):
    alerts = _open_alerts(user)
    if alerts is None:
        return None
    return (
        alerts.order_by()
        .values("organisation_id")
        .annotate(
            kind=Value("contact", output_field=CharField()),
            lines=Count("contact_id", distinct=True),
            items=Count("contact_id", distinct=True),
            last=Max("updated_at"),  # an escalation changes it: the panel redraws
        )
        .values_list("kind", "lines", "items", "last")
    )


def _contact_lines(user, limit: int) -> list[AlertLine]:
    """One line per contact: its newest open alert (a re-raised alert is the higher level)."""
    from xinyuan.hotline.models import RiskAlert, RiskLevel

    alerts = _open_alerts(user)
    if alerts is None:
        return []
    newer = RiskAlert.objects.filter(
        contact_id=OuterRef("contact_id"), acknowledged_at__isnull=True, pk__gt=OuterRef("pk")
    )
    newest = (
        alerts.filter(~Exists(newer))
        .select_related("contact", "contact__counsellor", "contact__seat")
        .order_by(Case(When(level=RiskLevel.IMMINENT, then=0), default=1), "-created_at")
    )
    return [
        AlertLine(
            kind="contact",
            severity=IMMINENT if alert.level == RiskLevel.IMMINENT else HIGH,
            created_at=alert.created_at,
            template="hotline/partials/_alert_contact.html",
            obj=alert,
        )
        for alert in newest[:limit]
    ]


def register() -> None:
    register_alert_source(
        AlertSource(
            kind="contact",
            label=_("High-risk contacts"),
            state=_contact_state,
            lines=_contact_lines,
            full_list=lambda: reverse("hotline:contact-list") + "?status=open",
            order=0,
        )
    )
