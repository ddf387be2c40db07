"""Pure rules of sign-in throttling (docs/decisions/0008-sign-in-throttling.md). No ORM here."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from xinyuan.core import network as core_network

RULE_VERSION = "signin-2026.1"
UNKNOWN_NETWORK = "unknown"


def normalised_username(typed: str) -> str:
    """The user name as typed, folded so that case or width variants count as one name."""
    return unicodedata.normalize("NFKC", typed or "").strip().casefold()[:150]


def network_of(address: str | None) -> str:
    """The network an address stands for (``core.network.network_of``: an IPv4 address itself,
    an IPv6 address its /64), or ``UNKNOWN_NETWORK`` when it is not an address."""
    return core_network.network_of(address or "") or UNKNOWN_NETWORK


def throttled_until(
    failures_newest_first: list[datetime], *, limit: int, window: timedelta
) -> datetime | None:
    """While ``limit`` failures lie within the last ``window``, further attempts wait until the
    ``limit``-th newest of them leaves the window. ``limit`` 0 switches the rule off."""
    if limit <= 0 or len(failures_newest_first) < limit:
        return None
    return failures_newest_first[limit - 1] + window
