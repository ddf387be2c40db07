"""Numbers from the switch's call events: answer rate (接通率), speed of answer, 本地/外地来电.

Read by the live board and by the reports (which pass ``using=report_database()``). One
aggregate statement over the (centre, time) index; no record leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum

from xinyuan.hotline.models import CallEvent, CallEventKind

# The service level the board shows beside the average wait: answered within this many seconds.
SERVICE_LEVEL_SECONDS = 20


def call_event_summary(
    organisation_ids: Iterable[int], start: datetime, end: datetime, *, using: str = "default"
) -> dict[str, Any]:
    """The calls of the centres between ``start`` (included) and ``end`` (excluded), by event
    time:

    - ``offered``: calls offered — their *offered* events (every call has one: one the switch
      did not report is recorded with its answer or abandonment, ``actions.call_events``), the
      same definition as the work report's 总呼入量, so the board and the reports agree;
    - ``answered``, ``abandoned``: calls with that event;
    - ``answer_rate``: answered / offered (0–1), None without calls;
    - ``average_wait_seconds``: mean time waited of the answered calls that report it (speed of
      answer), None without such calls; ``answered_within_20s`` and its share
      ``answered_within_20s_rate`` (of those calls);
    - ``local``, ``non_local``, ``unknown_area``: offered calls from the centre's area (本地),
      from elsewhere (外地), or from an area unknown (no number sent, a number the geocoder
      cannot place, or the centre's area not set).
    """
    ids = list(organisation_ids)
    rows = (
        CallEvent.objects.using(using)
        .filter(organisation_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("organisation_id")
        .annotate(
            calls=Count("id", filter=Q(kind=CallEventKind.OFFERED)),
            answered=Count("id", filter=Q(kind=CallEventKind.ANSWERED)),
            abandoned=Count("id", filter=Q(kind=CallEventKind.ABANDONED)),
            timed=Count("id", filter=Q(kind=CallEventKind.ANSWERED, waited_seconds__isnull=False)),
            waited=Sum("waited_seconds", filter=Q(kind=CallEventKind.ANSWERED)),
            within=Count(
                "id",
                filter=Q(kind=CallEventKind.ANSWERED, waited_seconds__lte=SERVICE_LEVEL_SECONDS),
            ),
            local=Count("id", filter=Q(kind=CallEventKind.OFFERED, is_local=True)),
            elsewhere=Count("id", filter=Q(kind=CallEventKind.OFFERED, is_local=False)),
        )
        .order_by()
    )
    totals = dict.fromkeys(
        ("calls", "answered", "abandoned", "timed", "waited", "within", "local", "elsewhere"), 0
    )
    for row in rows:
        values: dict[str, Any] = dict(row)
        for key in totals:
            totals[key] += values[key] or 0
    offered = totals["calls"]
    non_local = totals["elsewhere"]
    timed = totals["timed"]
    return {
        "offered": offered,
        "answered": totals["answered"],
        "abandoned": totals["abandoned"],
        "answer_rate": totals["answered"] / offered if offered else None,
        "average_wait_seconds": totals["waited"] / timed if timed else None,
        "answered_within_20s": totals["within"],
        "answered_within_20s_rate": totals["within"] / timed if timed else None,
        "local": totals["local"],
        "non_local": non_local,
        "unknown_area": max(0, offered - totals["local"] - non_local),
    }
