"""The planning calculator (CM-08, OP-06): counts of people in, the workers, assessments,
individual sessions and weeks of work out, each figure with the seed sentence it comes from.

A calculator: nothing is read from or written to the database, so there is no other centre's
data to leak and nothing to audit. The form is sent by GET (the figures can be bookmarked or
shared); refused input comes back with what was typed and a 422."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.operations import planning as rules
from xinyuan.operations.forms import PlanningForm

NO_FIGURE = gettext_lazy("No figure in the sources; set by the centre.")

LEVEL_WHO = {
    "level_1": gettext_lazy(
        "Confirmed patients (severe, in hospital), front-line medical staff, disease-control "
        "and management staff."
    ),
    "level_2": gettext_lazy(
        "Mild patients in home isolation (close contacts, suspected cases), fever-clinic patients."
    ),
    "level_3": gettext_lazy(
        "People related to levels 1 and 2 (family, colleagues, friends); rear-line rescuers, "
        "organisers and volunteers."
    ),
    "level_4": gettext_lazy(
        "People affected by the control measures, susceptible people, the general public."
    ),
}


def _number(value: Fraction) -> str:
    """An exact quotient for the arithmetic line: whole numbers plain, others to 2 decimals."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}"


def _hours(minutes: int) -> str:
    return _number(Fraction(minutes, 60)) if minutes % 60 == 0 else f"{minutes / 60:.1f}"


def _people(count: int) -> str:
    return ngettext("%(count)s person", "%(count)s people", count) % {"count": count}


def _source(key: str) -> rules.Source:
    return rules.SOURCES[key]


def _rows(plan: rules.Plan) -> list[dict[str, Any]]:
    c, s = plan.counts, plan.settings
    n = c.isolated
    ex200, ex450 = rules.isolated_workers(200), rules.isolated_workers(450)
    rows: list[dict[str, Any]] = [
        {
            "key": "isolated-workers",
            "label": _("Qualified workers for people in isolation"),
            "figure": _("%(low)s–%(high)s workers")
            % {"low": plan.isolated_workers_min, "high": plan.isolated_workers_max},
            "arithmetic": _(
                "%(n)s × 6 ÷ 200 = %(low_exact)s → %(low)s; %(n)s × 9 ÷ 200 = %(high_exact)s → "
                "%(high)s (rounded up). For example: 200 people → %(a)s–%(b)s workers; "
                "450 people → %(c)s–%(d)s workers."
            )
            % {
                "n": n,
                "low_exact": _number(Fraction(n * 6, 200)),
                "high_exact": _number(Fraction(n * 9, 200)),
                "low": plan.isolated_workers_min,
                "high": plan.isolated_workers_max,
                "a": ex200[0],
                "b": ex200[1],
                "c": ex450[0],
                "d": ex450[1],
            },
            "source": _source(rules.SOURCE_ISOLATED_RATIO),
        },
        {
            "key": "to-assess",
            "label": _("People to assess professionally"),
            "figure": _people(plan.to_assess),
            "arithmetic": _(
                "(%(medical)s front-line medical staff + %(patients)s confirmed patients + "
                "%(families)s families + %(bereaved)s bereaved families) = %(base)s; %(base)s × "
                "30%% = %(exact)s → %(count)s (rounded up)."
            )
            % {
                "medical": c.frontline_medical,
                "patients": c.confirmed_patients,
                "families": c.patient_families,
                "bereaved": c.bereaved_families,
                "base": plan.assess_base,
                "exact": _number(Fraction(plan.assess_base * 30, 100)),
                "count": plan.to_assess,
            },
            "source": _source(rules.SOURCE_ASSESS_SHARE),
        },
        {
            "key": "to-intervene",
            "label": _("People needing individual intervention"),
            "figure": _people(plan.to_intervene),
            "arithmetic": _(
                "(%(medical)s front-line medical staff + %(patients)s confirmed patients + "
                "%(bereaved)s bereaved families) = %(base)s; %(base)s × 15%% = %(exact)s → "
                "%(count)s (rounded up). The source does not name patients' families here."
            )
            % {
                "medical": c.frontline_medical,
                "patients": c.confirmed_patients,
                "bereaved": c.bereaved_families,
                "base": plan.intervene_base,
                "exact": _number(Fraction(plan.intervene_base * 15, 100)),
                "count": plan.to_intervene,
            },
            "source": _source(rules.SOURCE_INTERVENE_SHARE),
        },
        {
            "key": "levels",
            "label": _("General education reaches (levels 1–4)"),
            "figure": _people(plan.levels_total),
            "arithmetic": _(
                "%(l1)s + %(l2)s + %(l3)s + %(l4)s = %(total)s. Intervention starts with the "
                "%(l1)s people of level 1. The sources give no staffing ratio per level."
            )
            % {
                "l1": c.level_1,
                "l2": c.level_2,
                "l3": c.level_3,
                "l4": c.level_4,
                "total": plan.levels_total,
            },
            "source": _source(rules.SOURCE_LEVELS),
        },
        {
            "key": "team",
            "label": _("A psychological rescue team formed on its own adds"),
            "figure": _("1 leader + 1 liaison"),
            "arithmetic": "",
            "source": _source(rules.SOURCE_RESCUE_TEAM),
        },
        {
            "key": "work-hours",
            "label": _("Hours of work"),
            "figure": _("%(hours)s hours") % {"hours": _hours(plan.total_minutes)},
            "arithmetic": _(
                "Assessments: %(assess)s × %(minutes_a)s min = %(hours_a)s h; individual "
                "sessions: %(intervene)s × %(sessions)s × %(minutes_s)s min = %(hours_s)s h."
            )
            % {
                "assess": plan.to_assess,
                "minutes_a": s.minutes_per_assessment,
                "hours_a": _hours(plan.assessment_minutes),
                "intervene": plan.to_intervene,
                "sessions": s.sessions_per_person,
                "minutes_s": s.minutes_per_session,
                "hours_s": _hours(plan.session_minutes),
            },
            "setting": NO_FIGURE,
        },
        {
            "key": "capacity",
            "label": _("Hours the centre's workers give a week"),
            "figure": _("%(hours)s hours") % {"hours": _hours(plan.capacity_minutes_per_week)},
            "arithmetic": _("%(workers)s workers × %(days)s days × %(hours)s h")
            % {"workers": s.workers_available, "days": s.days_per_week, "hours": s.hours_per_day},
            "setting": NO_FIGURE,
        },
        {
            "key": "weeks",
            "label": _("Weeks needed with the centre's workers"),
            "figure": (
                _("Cannot be done: no worker available.")
                if plan.weeks_needed is None
                else ngettext("%(weeks)s week", "%(weeks)s weeks", plan.weeks_needed)
                % {"weeks": plan.weeks_needed}
            ),
            "arithmetic": (
                ""
                if plan.weeks_needed is None
                else _("%(work)s h ÷ %(capacity)s h a week → %(weeks)s (rounded up).")
                % {
                    "work": _hours(plan.total_minutes),
                    "capacity": _hours(plan.capacity_minutes_per_week),
                    "weeks": plan.weeks_needed,
                }
            ),
            "source": _source(rules.SOURCE_TIMETABLE),
        },
    ]
    if plan.workers_for_target is not None:
        rows.append(
            {
                "key": "workers-for-target",
                "label": ngettext(
                    "Workers needed to finish within %(weeks)s week",
                    "Workers needed to finish within %(weeks)s weeks",
                    s.target_weeks or 0,
                )
                % {"weeks": s.target_weeks},
                "figure": ngettext("%(count)s worker", "%(count)s workers", plan.workers_for_target)
                % {"count": plan.workers_for_target},
                "arithmetic": _(
                    "%(work)s h ÷ (%(weeks)s × %(per_worker)s h a worker a week) → "
                    "%(count)s (rounded up)."
                )
                % {
                    "work": _hours(plan.total_minutes),
                    "weeks": s.target_weeks,
                    "per_worker": s.hours_per_worker_week,
                    "count": plan.workers_for_target,
                },
                "source": _source(rules.SOURCE_TIMETABLE),
            }
        )
    return rows


@require_GET
@require_perm(permissions.USE_PLANNING_CALCULATOR)
def planning_calculator(request):
    """The form; with figures once it is sent. Nothing is stored."""
    asked = any(name in request.GET for name in PlanningForm.base_fields)
    form = PlanningForm(request.GET if asked else None)
    plan = None
    if asked and form.is_valid():
        data = form.cleaned_data
        counts = rules.Counts(
            **{
                name: data[name] or 0
                for name in PlanningForm.GROUP_FIELDS + PlanningForm.LEVEL_FIELDS
            }
        )
        settings = rules.Settings(**{name: data[name] for name in PlanningForm.SETTING_FIELDS})
        plan = rules.plan(counts, settings)
    return render(
        request,
        "operations/planning.html",
        {
            "form": form,
            "plan": plan,
            "rows": _rows(plan) if plan else [],
            "timetable": [
                {
                    "week": w.week,
                    "assessment": _hours(w.assessment_minutes),
                    "sessions": _hours(w.session_minutes),
                    "left": _hours(w.remaining_minutes),
                }
                for w in (plan.timetable if plan else [])
            ],
            "groups": [form[name] for name in PlanningForm.GROUP_FIELDS],
            "levels": [(form[name], LEVEL_WHO[name]) for name in PlanningForm.LEVEL_FIELDS],
            "settings": [form[name] for name in PlanningForm.SETTING_FIELDS],
            "version": rules.PLANNING_RULE_VERSION,
            "defaults": rules.DEFAULT_SETTINGS,
            "no_figure": NO_FIGURE,
        },
        status=422 if asked and not form.is_valid() else 200,
    )
