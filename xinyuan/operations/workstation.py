"""The rota's panel on the workstation: the director (and those who build the rota) see how
many hours of the next 14 days are below the promised seats, with a link to the coverage."""

from __future__ import annotations

from xinyuan.operations import selectors
from xinyuan.operations.access import decide_rota


def coverage_notice(user) -> tuple[str, dict] | None:
    access = decide_rota(user)
    if not (access.hears_of_gaps or access.can_manage):
        return None
    hours = selectors.coverage_for(user.organisation_id)
    gaps = [h for h in hours if h.is_gap]
    return (
        "operations/partials/_coverage_notice.html",
        {"gap_hours": len(gaps), "next_gap": gaps[0] if gaps else None},
    )


def register() -> None:
    from xinyuan.hotline.workstation_panels import register_workstation_panel

    register_workstation_panel(coverage_notice)
