"""The rota's pages: service hours, the week's rota (seats × days), requests, and coverage."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.core import permissions
from xinyuan.core.views_helpers import add_form_errors, error_messages, require_perm
from xinyuan.operations import selectors
from xinyuan.operations.access import (
    access_shift,
    access_shift_request,
    decide_rota,
    decide_shift_request,
)
from xinyuan.operations.actions import rota as actions
from xinyuan.operations.forms import (
    AskForm,
    RoundTheClockForm,
    ServiceWindowForm,
    ShiftForm,
    ShiftTemplateForm,
)

VIEWERS = (permissions.VIEW_ROTA, permissions.MANAGE_SERVICE_HOURS)


def _require_centre(request):
    if request.user.organisation_id is None:
        raise PermissionDenied


# Service hours ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_perm(*VIEWERS)
def service_hours(request):
    """Read by everyone who works shifts; the director (or the centre's administrator) edits."""
    _require_centre(request)
    user = request.user
    access = decide_rota(user)
    form = ServiceWindowForm(initial={"min_seats": actions.GUIDE_MIN_SEATS})
    preset = RoundTheClockForm(initial={"min_seats": actions.GUIDE_MIN_SEATS})
    status = 200
    if request.method == "POST":
        if not access.can_edit_service_hours:
            raise PermissionDenied
        what = request.POST.get("do", "add")
        try:
            if what == "remove":
                window = (
                    selectors.service_windows_of(user.organisation_id)
                    .filter(public_id=request.POST.get("window") or None)
                    .first()
                )
                if window is None:
                    raise Http404
                actions.do_remove_service_window(actor=user, window=window)
                messages.success(request, _("Service hours removed."))
                return redirect("operations:service-hours")
            if what == "preset":
                preset = RoundTheClockForm(request.POST)
                if preset.is_valid():
                    seats = preset.cleaned_data["min_seats"]
                    try:
                        actions.do_set_round_the_clock(actor=user, min_seats=seats)
                    except ValidationError as exc:
                        add_form_errors(preset, exc)
                    else:
                        messages.success(request, _("Service hours set to 24 h every day."))
                        _warn_below_guide(request, seats)
                        return redirect("operations:service-hours")
            else:
                form = ServiceWindowForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    try:
                        actions.do_add_service_window(actor=user, **data)
                    except ValidationError as exc:
                        add_form_errors(form, exc)
                    else:
                        messages.success(request, _("Service hours added."))
                        _warn_below_guide(request, data["min_seats"])
                        return redirect("operations:service-hours")
        except ValidationError as exc:  # pragma: no cover - removal refuses nothing else
            messages.error(request, " ".join(error_messages(exc)))
        status = 422
    windows = list(selectors.service_windows_of(user.organisation_id))
    return render(
        request,
        "operations/service_hours.html",
        {
            "windows": windows,
            "form": form,
            "preset": preset,
            "access": access,
            "guide_min": actions.GUIDE_MIN_SEATS,
            "below_guide": [w for w in windows if w.min_seats < actions.GUIDE_MIN_SEATS],
        },
        status=status,
    )


def _warn_below_guide(request, seats: int) -> None:
    if seats < actions.GUIDE_MIN_SEATS:
        messages.warning(
            request,
            _("The guide asks for at least %(n)s staffed seats in every service hour.")
            % {"n": actions.GUIDE_MIN_SEATS},
        )


# The week's rota -------------------------------------------------------------------------------


def _week_of(request) -> date:
    raw = request.GET.get("week") or request.POST.get("week") or ""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _week_context(request, *, day: date, template_form=None, shift_form=None) -> dict:
    user = request.user
    org = user.organisation_id
    access = decide_rota(user)
    start, _end = selectors.week_bounds(day)
    days = [(start + timedelta(days=n)).date() for n in range(7)]
    seats = list(selectors.seats_of(org))
    shifts = list(selectors.shifts_of_week(org, day))
    cells: dict[tuple[int, date], list] = {}
    for shift in shifts:
        cells.setdefault((shift.seat_id, timezone.localtime(shift.starts_at).date()), []).append(
            shift
        )
    grid = [(seat, [cells.get((seat.pk, d), []) for d in days]) for seat in seats]
    people = (
        list(selectors.rosterable_staff(org)) if access.can_manage or access.can_sign_up else []
    )
    context = {
        "access": access,
        "days": days,
        "grid": grid,
        "week": days[0],
        "previous_week": days[0] - timedelta(days=7),
        "next_week": days[0] + timedelta(days=7),
        "open_shifts": [s for s in shifts if s.user_id is None],
        "requests": [
            (r, decide_shift_request(user, r)) for r in selectors.open_shift_requests(org)
        ],
        "swappable": [
            s for s in shifts if s.user_id not in (None, user.pk) and s.starts_at > timezone.now()
        ],
        "colleagues": [p for p in people if p.pk != user.pk],
        "now": timezone.now(),
        "people": people,
        "my_shifts": list(selectors.my_upcoming_shifts(user)) if access.can_sign_up else [],
    }
    if access.can_manage:
        context["templates"] = list(selectors.shift_templates_of(org))
        context["template_form"] = template_form or ShiftTemplateForm(seats=seats, people=people)
        context["shift_form"] = shift_form or ShiftForm(
            seats=seats, people=people, initial={"day": max(days[0], timezone.localdate())}
        )
    return context


@require_http_methods(["GET"])
@require_perm(permissions.VIEW_ROTA)
def rota_week(request):
    _require_centre(request)
    return render(
        request, "operations/rota_week.html", _week_context(request, day=_week_of(request))
    )


def _back_to_week(request, day: date | None = None):
    day = day or _week_of(request)
    return redirect(reverse("operations:rota-week") + f"?week={day.isoformat()}")


def _person(request, name: str):
    raw = request.POST.get(name) or ""
    if not raw:
        return None
    found = selectors.rosterable_staff(request.user.organisation_id).filter(public_id=raw).first()
    if found is None:
        raise ValidationError(_("Choose someone of your centre."))
    return found


@require_POST
@require_perm(permissions.MANAGE_ROTA)
def template_add(request):
    _require_centre(request)
    user = request.user
    seats = list(selectors.seats_of(user.organisation_id))
    people = list(selectors.rosterable_staff(user.organisation_id))
    form = ShiftTemplateForm(request.POST, seats=seats, people=people)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_add_shift_template(
                actor=user,
                weekday=data["weekday"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                seat=next(s for s in seats if s.code == data["seat"]),
                default_user=_person(request, "default_user"),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Shift template added."))
            return _back_to_week(request)
    context = _week_context(request, day=_week_of(request), template_form=form)
    return render(request, "operations/rota_week.html", context, status=422)


@require_POST
@require_perm(permissions.MANAGE_ROTA)
def template_remove(request, public_id):
    _require_centre(request)
    template = (
        selectors.shift_templates_of(request.user.organisation_id)
        .filter(public_id=public_id)
        .first()
    )
    if template is None:
        raise Http404
    actions.do_remove_shift_template(actor=request.user, template=template)
    messages.success(request, _("Shift template removed."))
    return _back_to_week(request)


@require_POST
@require_perm(permissions.MANAGE_ROTA)
def week_apply(request):
    _require_centre(request)
    day = _week_of(request)
    made, notes = actions.do_apply_shift_templates(actor=request.user, week_of=day)
    messages.success(
        request,
        _("%(n)s shifts made from the templates for the week of %(week)s.")
        % {"n": len(made), "week": (day - timedelta(days=day.weekday())).isoformat()},
    )
    for note in notes:
        messages.warning(request, _("Left open: %(why)s") % {"why": note})
    return _back_to_week(request, day)


@require_POST
@require_perm(permissions.MANAGE_ROTA)
def shift_add(request):
    _require_centre(request)
    user = request.user
    seats = list(selectors.seats_of(user.organisation_id))
    people = list(selectors.rosterable_staff(user.organisation_id))
    form = ShiftForm(request.POST, seats=seats, people=people)
    if form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = actions.shift_times(data["day"], data["starts_at"], data["ends_at"])
        try:
            actions.do_add_shift(
                actor=user,
                seat=next(s for s in seats if s.code == data["seat"]),
                starts_at=starts_at,
                ends_at=ends_at,
                person=_person(request, "person"),
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return _back_to_week(request, data["day"])
    context = _week_context(request, day=_week_of(request), shift_form=form)
    return render(request, "operations/rota_week.html", context, status=422)


def _act(request, do, success: str, day: date):
    try:
        do()
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, success)
    return _back_to_week(request, day)


@require_POST
@require_perm(permissions.MANAGE_ROTA)
def shift_assign(request, public_id):
    _require_centre(request)
    shift = access_shift(request.user, public_id).shift
    day = timezone.localtime(shift.starts_at).date()
    try:
        person = _person(request, "person")
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return _back_to_week(request, day)
    return _act(
        request,
        lambda: actions.do_assign_shift(actor=request.user, shift=shift, person=person),
        _("Shift assigned.") if person else _("The shift is open again."),
        day,
    )


@require_POST
@require_perm(permissions.SIGN_UP_FOR_SHIFTS)
def shift_sign_up(request, public_id):
    _require_centre(request)
    shift = access_shift(request.user, public_id).shift
    return _act(
        request,
        lambda: actions.do_sign_up_for_shift(actor=request.user, shift=shift),
        _("You are on this shift."),
        timezone.localtime(shift.starts_at).date(),
    )


@require_POST
@require_perm(permissions.SIGN_UP_FOR_SHIFTS)
def shift_ask(request, public_id):
    _require_centre(request)
    user = request.user
    shift = access_shift(user, public_id).shift
    day = timezone.localtime(shift.starts_at).date()
    form = AskForm(request.POST)
    if not form.is_valid():
        for message in error_messages(ValidationError(form.errors)):
            messages.error(request, message)
        return _back_to_week(request, day)
    data = form.cleaned_data
    org = user.organisation_id
    colleague = (
        selectors.rosterable_staff(org).filter(public_id=data["colleague"]).first()
        if data["colleague"]
        else None
    )
    other = selectors.shift_of_centre(org, data["other_shift"]) if data["other_shift"] else None

    def ask():
        actions.do_ask_shift_change(
            actor=user,
            shift=shift,
            kind=data["kind"],
            colleague=colleague,
            other_shift=other,
            note=data["note"],
        )

    return _act(request, ask, _("Request sent."), day)


ANSWERS = {
    "accept": (actions.do_accept_shift_request, "can_accept"),
    "decline": (actions.do_decline_shift_request, "can_decline"),
    "withdraw": (actions.do_withdraw_shift_request, "can_withdraw"),
}


@require_POST
@require_perm(permissions.SIGN_UP_FOR_SHIFTS, permissions.MANAGE_ROTA)
def request_respond(request, public_id):
    """The colleague accepts or declines, the asker withdraws, a supervisor approves or
    rejects (``answer``)."""
    _require_centre(request)
    found = access_shift_request(request.user, public_id)
    shift_request = found.request
    answer = request.POST.get("answer", "")
    day = timezone.localtime(shift_request.shift.starts_at).date()
    if answer in ("approve", "reject"):
        if not found.can_decide:
            raise PermissionDenied
        return _act(
            request,
            lambda: actions.do_decide_shift_request(
                actor=request.user, request=shift_request, approve=answer == "approve"
            ),
            _("Approved: the rota has changed.") if answer == "approve" else _("Not approved."),
            day,
        )
    if answer not in ANSWERS:
        messages.error(request, _("Choose what to do with the request."))
        return _back_to_week(request, day)
    action, decision = ANSWERS[answer]
    if not getattr(found, decision):
        raise PermissionDenied
    done = {
        "accept": _("Accepted: it now waits for a supervisor's approval."),
        "decline": _("Declined."),
        "withdraw": _("Withdrawn."),
    }[answer]
    return _act(request, lambda: action(actor=request.user, request=shift_request), done, day)


# Coverage --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@require_perm(permissions.VIEW_ROTA)
def coverage(request):
    """Every hour of the next 14 days: seats required and staffed; the gaps in red, the next
    gap at the top."""
    _require_centre(request)
    hours = selectors.coverage_for(request.user.organisation_id)
    # One row per day, one cell per hour of the day (None before now on the first day and
    # after the 14 days on the last).
    days: list[tuple[date, list]] = []
    for hour in hours:
        if not days or days[-1][0] != hour.starts_at.date():
            days.append((hour.starts_at.date(), [None] * 24))
        days[-1][1][hour.starts_at.hour] = hour
    gaps = [h for h in hours if h.is_gap]
    return render(
        request,
        "operations/coverage.html",
        {
            "days": days,
            "gap_hours": len(gaps),
            "next_gap": gaps[0] if gaps else None,
            "hours_of_day": range(24),
            "access": decide_rota(request.user),
        },
    )
