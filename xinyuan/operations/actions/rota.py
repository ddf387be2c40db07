"""The rota (OP-01): service hours and seats, shift templates, shifts, sign-up, assignment,
swap and substitution requests, and telling the directors of coverage gaps.

Nobody is put on a shift whose required pre-service training is not current on the day of the
shift, who is already on an overlapping shift, or onto a shift that has started. Every change
is audited in its own transaction."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xinyuan.accounts.models import Organisation, User
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import PermissionDeniedError
from xinyuan.hotline.models import Seat
from xinyuan.operations import selectors
from xinyuan.operations.access import decide_rota, decide_shift, decide_shift_request
from xinyuan.operations.models import (
    CoverageGapNotice,
    ServiceWindow,
    Shift,
    ShiftRequest,
    ShiftRequestKind,
    ShiftRequestStatus,
    ShiftTemplate,
    TrainingTopic,
)

logger = logging.getLogger(__name__)

GUIDE_MIN_SEATS = 2  # the guide asks for at least two staffed seats in every service hour
MIDNIGHT = time(0)

log = logging.getLogger(__name__)


def _local() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _minutes(moment: time, *, end: bool = False) -> int:
    minutes = moment.hour * 60 + moment.minute
    return 24 * 60 if end and minutes == 0 else minutes


def _span(t: ServiceWindow | ShiftTemplate) -> str:
    return f"{t.get_weekday_display()} {t.starts_at:%H:%M}–{t.ends_at:%H:%M}"


def _when(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at)
    end = timezone.localtime(shift.ends_at)
    return f"{date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M}–{end:%H:%M}"


def shift_times(day: date, starts_at: time, ends_at: time) -> tuple[datetime, datetime]:
    """A shift on ``day`` from–to, local time: 00:00 as the end is midnight at the end of the
    day; an end before the start is on the next day."""
    tz = _local()
    start = datetime.combine(day, starts_at, tzinfo=tz)
    end_day = (
        day + timedelta(days=1)
        if _minutes(ends_at, end=True) <= _minutes(starts_at) or (ends_at == MIDNIGHT)
        else day
    )
    return start, datetime.combine(end_day, ends_at, tzinfo=tz)


# Who may be rostered ---------------------------------------------------------------------------


def rostering_problems(
    person: User, starts_at: datetime, ends_at: datetime, *, ignore: tuple[int, ...] = ()
) -> list[str]:
    """Why ``person`` cannot be on a shift from ``starts_at`` to ``ends_at`` (empty: they can):
    required training not current on the shift's day, or already on an overlapping shift
    (shifts in ``ignore`` aside: the one being swapped away)."""
    problems = []
    name = person.work_name
    # The person's row is the lock of their shifts: two sign-ups, assignments or approvals for
    # one person wait for each other here, so the second sees the first's shift as overlapping
    # (actions lock shift rows first and people second, in that order everywhere).
    _lock_people(person)
    if not person.is_active or not permissions.has_any(
        person, permissions.HANDLE_CONTACTS, permissions.ACKNOWLEDGE_ALERTS
    ):
        return [_("%(name)s does not work shifts.") % {"name": name}]
    day = timezone.localtime(starts_at).date()
    missing = selectors.missing_required_training(person, day)
    if missing:
        labels = "、".join(str(TrainingTopic(topic).label) for topic in missing)
        problems.append(
            _("%(name)s cannot be rostered: required training not current on %(day)s: %(topics)s.")
            % {"name": name, "day": date_format(day, "SHORT_DATE_FORMAT"), "topics": labels}
        )
    overlapping = (
        Shift.objects.filter(user=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=ignore)
        .select_related("seat")
        .first()
    )
    if overlapping is not None:
        problems.append(
            _("%(name)s is already on shift %(when)s (seat %(seat)s).")
            % {"name": name, "when": _when(overlapping), "seat": overlapping.seat.code}
        )
    return problems


def _lock_people(*people: User) -> None:
    """Lock the people's rows, always in the order of their ids (no deadlock between two
    requests naming the same two people in another order). Only inside an action's
    transaction."""
    ids = sorted({person.pk for person in people if person is not None})
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _refuse_past(shift: Shift, now: datetime) -> None:
    if shift.starts_at <= now:
        raise ValidationError(
            _("The shift %(when)s has already begun: past shifts are not changed.")
            % {"when": _when(shift)}
        )


def _check_person(person: User | None, organisation_id: int) -> None:
    if person is not None and person.organisation_id != organisation_id:
        raise ValidationError(_("Choose someone of your centre."))


# Service hours ---------------------------------------------------------------------------------


def _check_window(
    organisation_id: int, weekday: int, starts_at: time, ends_at: time, min_seats: int
) -> None:
    errors: dict[str, list[str]] = {}
    if min_seats is None or min_seats < 1:
        errors["min_seats"] = [_("At least one seat must be staffed in service hours.")]
    start, end = _minutes(starts_at), _minutes(ends_at, end=True)
    if end <= start:
        errors["ends_at"] = [
            _("The end must be after the start (00:00 means midnight at the end of the day).")
        ]
    if errors:
        raise ValidationError(errors)
    for other in ServiceWindow.objects.filter(organisation_id=organisation_id, weekday=weekday):
        if _minutes(other.starts_at) < end and start < _minutes(other.ends_at, end=True):
            raise ValidationError(
                _(
                    "These hours overlap the service hours already set for %(window)s: change "
                    "or remove those first."
                )
                % {"window": _span(other)}
            )


@transaction.atomic
def do_add_service_window(
    *, actor, weekday: int, starts_at: time, ends_at: time, min_seats: int
) -> ServiceWindow:
    """Promise service on a weekday from–to with at least ``min_seats`` seats staffed."""
    if not decide_rota(actor).can_edit_service_hours:
        raise PermissionDeniedError
    _check_window(actor.organisation_id, weekday, starts_at, ends_at, min_seats)
    window = ServiceWindow.objects.create(
        organisation_id=actor.organisation_id,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        min_seats=min_seats,
    )
    record(
        actor=actor,
        action="create",
        target=window,
        changes={"hours": _span(window), "min_seats": min_seats},
    )
    return window


@transaction.atomic
def do_remove_service_window(*, actor, window: ServiceWindow) -> None:
    if not decide_rota(actor).can_edit_service_hours or (
        window.organisation_id != actor.organisation_id
    ):
        raise PermissionDeniedError
    record(
        actor=actor,
        action="delete",
        target=window,
        changes={"hours": _span(window), "min_seats": window.min_seats},
    )
    window.delete()


@transaction.atomic
def do_set_round_the_clock(*, actor, min_seats: int) -> list[ServiceWindow]:
    """The "24 h every day" preset: replaces every window with 00:00–24:00 on all seven days."""
    if not decide_rota(actor).can_edit_service_hours:
        raise PermissionDeniedError
    if min_seats is None or min_seats < 1:
        raise ValidationError(
            {"min_seats": [_("At least one seat must be staffed in service hours.")]}
        )
    organisation = Organisation.objects.get(pk=actor.organisation_id)
    removed = ServiceWindow.objects.filter(organisation=organisation).delete()[0]
    windows = ServiceWindow.objects.bulk_create(
        ServiceWindow(
            organisation=organisation,
            weekday=day,
            starts_at=MIDNIGHT,
            ends_at=MIDNIGHT,
            min_seats=min_seats,
        )
        for day in range(7)
    )
    record(
        actor=actor,
        action="set_service_hours",
        target=organisation,
        changes={"preset": "24h", "min_seats": min_seats, "windows_removed": removed},
    )
    return windows


# Shift templates and shifts --------------------------------------------------------------------


@transaction.atomic
def do_add_shift_template(
    *,
    actor,
    weekday: int,
    starts_at: time,
    ends_at: time,
    seat: Seat,
    default_user: User | None = None,
) -> ShiftTemplate:
    if not decide_rota(actor).can_manage:
        raise PermissionDeniedError
    if seat.organisation_id != actor.organisation_id:
        raise ValidationError(_("Choose a seat of your centre."))
    _check_person(default_user, actor.organisation_id)
    if starts_at == ends_at and starts_at != MIDNIGHT:
        raise ValidationError({"ends_at": [_("The end must differ from the start.")]})
    template = ShiftTemplate.objects.create(
        organisation_id=actor.organisation_id,
        weekday=weekday,
        starts_at=starts_at,
        ends_at=ends_at,
        seat=seat,
        default_user=default_user,
    )
    record(
        actor=actor,
        action="create",
        target=template,
        changes={
            "template": _span(template),
            "seat": seat.code,
            "default_user": default_user.work_name if default_user else None,
        },
    )
    return template


@transaction.atomic
def do_remove_shift_template(*, actor, template: ShiftTemplate) -> None:
    if not decide_rota(actor).can_manage or template.organisation_id != actor.organisation_id:
        raise PermissionDeniedError
    record(actor=actor, action="delete", target=template, changes={"template": _span(template)})
    template.delete()


@transaction.atomic
def do_apply_shift_templates(*, actor, week_of: date) -> tuple[list[Shift], list[str]]:
    """Make the shifts of the week (Monday to Sunday) holding ``week_of`` from the templates.
    Idempotent: a shift already there (same seat, start and end) is not made again; shifts
    already begun are not made. A template's usual person who cannot be rostered (training,
    another shift) leaves the shift open, and the reason is returned."""
    if not decide_rota(actor).can_manage:
        raise PermissionDeniedError
    monday = week_of - timedelta(days=week_of.weekday())
    now = timezone.now()
    # One application at a time per centre: a second one (a double click, two directors) waits
    # and then finds the first's shifts, so none is made twice.
    centre = Organisation.objects.select_for_update().get(pk=actor.organisation_id)
    templates = ShiftTemplate.objects.filter(organisation_id=actor.organisation_id).select_related(
        "seat", "default_user"
    )
    week_start, _end = shift_times(monday, MIDNIGHT, MIDNIGHT)
    existing = set(
        Shift.objects.filter(
            organisation_id=actor.organisation_id,
            starts_at__gte=week_start,
            starts_at__lt=week_start + timedelta(days=7, hours=1),
        ).values_list("seat_id", "starts_at", "ends_at")
    )
    made: list[Shift] = []
    notes: list[str] = []
    for template in templates:
        starts_at, ends_at = shift_times(
            monday + timedelta(days=template.weekday), template.starts_at, template.ends_at
        )
        key = (template.seat_id, starts_at, ends_at)
        if starts_at <= now or key in existing:
            continue
        person = template.default_user
        if person is not None:
            problems = rostering_problems(person, starts_at, ends_at)
            if problems:
                notes += problems
                person = None
        shift = Shift.objects.create(
            organisation_id=actor.organisation_id,
            seat=template.seat,
            user=person,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        existing.add(key)
        made.append(shift)
    record(
        actor=actor,
        action="apply_shift_templates",
        target=centre,
        changes={
            "week_of": monday.isoformat(),
            "shifts_made": len(made),
            # Which shifts, so that the trail says who was put where (not only how many).
            "shifts": [
                {
                    "shift": str(shift.public_id),
                    "seat": shift.seat.code,
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                    "user": shift.user.work_name if shift.user else None,
                }
                for shift in made
            ],
            "left_open": notes,
        },
    )
    return made, notes


@transaction.atomic
def do_add_shift(
    *, actor, seat: Seat, starts_at: datetime, ends_at: datetime, person: User | None = None
) -> Shift:
    """One shift on a seat (open when no one is named)."""
    if not decide_rota(actor).can_manage:
        raise PermissionDeniedError
    if seat.organisation_id != actor.organisation_id:
        raise ValidationError(_("Choose a seat of your centre."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [_("The end must be after the start.")]})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": [_("A new shift must start in the future.")]})
    _check_person(person, actor.organisation_id)
    if person is not None:
        problems = rostering_problems(person, starts_at, ends_at)
        if problems:
            raise ValidationError(problems)
    if Shift.objects.filter(seat=seat, starts_at=starts_at, ends_at=ends_at).exists():
        raise ValidationError(
            _("Seat %(seat)s already has this shift: assign someone to it instead.")
            % {"seat": seat.code}
        )
    shift = Shift.objects.create(
        organisation_id=actor.organisation_id,
        seat=seat,
        user=person,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    record(
        actor=actor,
        action="create",
        target=shift,
        changes={
            "seat": seat.code,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "user": person.work_name if person else None,
        },
    )
    return shift


@transaction.atomic
def do_assign_shift(*, actor, shift: Shift, person: User | None) -> Shift:
    """Put someone on a shift (or, with no one, make it open again)."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if not decide_shift(actor, locked).can_assign:
        raise PermissionDeniedError
    _refuse_past(locked, timezone.now())
    _check_person(person, locked.organisation_id)
    if person is not None and person.pk != locked.user_id:
        problems = rostering_problems(person, locked.starts_at, locked.ends_at)
        if problems:
            raise ValidationError(problems)
    before = locked.user.work_name if locked.user else None
    locked.user = person
    locked.save(update_fields=["user", "updated_at"])
    record(
        actor=actor,
        action="assign",
        target=locked,
        changes={"user": [before, person.work_name if person else None]},
    )
    return locked


@transaction.atomic
def do_sign_up_for_shift(*, actor, shift: Shift) -> Shift:
    """Take an open shift oneself."""
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if not decide_shift(actor, locked).own_centre:
        raise PermissionDeniedError
    if locked.user_id is not None:
        raise ValidationError(_("Someone has already taken this shift."))
    if not decide_shift(actor, locked).can_sign_up:
        raise PermissionDeniedError
    _refuse_past(locked, timezone.now())
    problems = rostering_problems(actor, locked.starts_at, locked.ends_at)
    if problems:
        raise ValidationError(problems)
    locked.user = actor
    locked.save(update_fields=["user", "updated_at"])
    record(actor=actor, action="sign_up", target=locked, changes={"user": actor.work_name})
    return locked


# Swap and substitution -------------------------------------------------------------------------


def _check_request(r: ShiftRequest, now: datetime, taker: User | None) -> None:
    """The change the request makes is still possible: shifts not begun, the people trained
    and free."""
    _refuse_past(r.shift, now)
    if r.shift.user_id != r.requested_by_id:
        raise ValidationError(_("The shift is no longer the asker's: the rota changed since."))
    problems: list[str] = []
    # Both people at once, in id order (each rostering check below locks one again: a no-op).
    _lock_people(r.requested_by, *(p for p in (r.colleague, taker) if p is not None))
    if r.kind == ShiftRequestKind.SWAP:
        other = r.other_shift
        assert other is not None
        _refuse_past(other, now)
        if other.user_id != r.colleague_id:
            raise ValidationError(
                _("The other shift is no longer the colleague's: the rota changed since.")
            )
        ignore = (r.shift.pk, other.pk)
        problems += rostering_problems(
            r.requested_by, other.starts_at, other.ends_at, ignore=ignore
        )
        assert r.colleague is not None
        problems += rostering_problems(
            r.colleague, r.shift.starts_at, r.shift.ends_at, ignore=ignore
        )
    elif taker is not None:
        problems += rostering_problems(taker, r.shift.starts_at, r.shift.ends_at)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def do_ask_shift_change(
    *,
    actor,
    shift: Shift,
    kind: str,
    colleague: User | None = None,
    other_shift: Shift | None = None,
    note: str = "",
) -> ShiftRequest:
    """Ask a colleague to take over one's shift (anyone, with no colleague named), or to swap it
    for one of theirs."""
    if not decide_shift(actor, shift).can_ask_for_change:
        raise PermissionDeniedError
    if kind not in ShiftRequestKind.values:
        raise ValidationError(_("Choose a swap or a substitution."))
    _check_person(colleague, shift.organisation_id)
    if colleague is not None and colleague.pk == actor.pk:
        raise ValidationError(_("Ask someone other than yourself."))
    if kind == ShiftRequestKind.SWAP:
        if other_shift is None or other_shift.organisation_id != shift.organisation_id:
            raise ValidationError(_("Choose the colleague's shift to swap with."))
        if other_shift.user_id is None or other_shift.user_id == actor.pk:
            raise ValidationError(_("Choose a shift of a colleague to swap with."))
        colleague = other_shift.user
    else:
        other_shift = None
    if ShiftRequest.objects.filter(
        shift=shift, status__in=(ShiftRequestStatus.ASKED, ShiftRequestStatus.ACCEPTED)
    ).exists():
        raise ValidationError(_("A request about this shift is already open."))
    request = ShiftRequest(
        organisation_id=shift.organisation_id,
        kind=kind,
        shift=shift,
        requested_by=actor,
        colleague=colleague,
        other_shift=other_shift,
        note=" ".join((note or "").split())[:200],
    )
    _check_request(request, timezone.now(), colleague)
    request.save()
    record(
        actor=actor,
        action="ask",
        target=request,
        changes={
            "kind": kind,
            "shift": _when(shift),
            "colleague": colleague.work_name if colleague else None,
            "other_shift": _when(other_shift) if other_shift else None,
        },
    )
    return request


def _locked_request(request: ShiftRequest) -> ShiftRequest:
    return (
        ShiftRequest.objects.select_for_update(of=("self",))
        .select_related("shift", "other_shift", "requested_by", "colleague")
        .get(pk=request.pk)
    )


@transaction.atomic
def do_accept_shift_request(*, actor, request: ShiftRequest) -> ShiftRequest:
    """The colleague agrees (for an open substitution: whoever accepts takes the shift); it then
    waits for a supervisor's approval."""
    locked = _locked_request(request)
    if not decide_shift_request(actor, locked).can_accept:
        raise PermissionDeniedError
    _check_request(locked, timezone.now(), actor)
    locked.colleague = actor
    locked.status = ShiftRequestStatus.ACCEPTED
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["colleague", "status", "accepted_at", "updated_at"])
    record(actor=actor, action="accept", target=locked, changes={"status": locked.status})
    return locked


@transaction.atomic
def do_decline_shift_request(*, actor, request: ShiftRequest) -> ShiftRequest:
    locked = _locked_request(request)
    if not decide_shift_request(actor, locked).can_decline:
        raise PermissionDeniedError
    locked.status = ShiftRequestStatus.DECLINED
    locked.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="decline", target=locked, changes={"status": locked.status})
    return locked


@transaction.atomic
def do_withdraw_shift_request(*, actor, request: ShiftRequest) -> ShiftRequest:
    locked = _locked_request(request)
    if not decide_shift_request(actor, locked).can_withdraw:
        raise PermissionDeniedError
    locked.status = ShiftRequestStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    record(actor=actor, action="withdraw", target=locked, changes={"status": locked.status})
    return locked


@transaction.atomic
def do_decide_shift_request(*, actor, request: ShiftRequest, approve: bool) -> ShiftRequest:
    """A supervisor or director approves (the rota changes) or rejects an accepted request."""
    locked = _locked_request(request)
    if not decide_shift_request(actor, locked).can_decide:
        raise PermissionDeniedError
    now = timezone.now()
    changes: dict = {}
    if approve:
        shifts = Shift.objects.select_for_update().filter(
            pk__in=[locked.shift_id, locked.other_shift_id or locked.shift_id]
        )
        by_pk = {s.pk: s for s in shifts}
        locked.shift = by_pk[locked.shift_id]
        if locked.other_shift_id:
            locked.other_shift = by_pk[locked.other_shift_id]
        colleague = locked.colleague
        if colleague is None:  # accepted requests always name the colleague
            raise ValidationError(_("Choose someone of your centre."))
        _check_request(locked, now, colleague)
        shift = locked.shift
        shift.user = colleague
        shift.save(update_fields=["user", "updated_at"])
        changes["shift"] = [_when(shift), locked.requested_by.work_name, colleague.work_name]
        if locked.other_shift is not None:
            other = locked.other_shift
            other.user = locked.requested_by
            other.save(update_fields=["user", "updated_at"])
            changes["other_shift"] = [
                _when(other),
                colleague.work_name,
                locked.requested_by.work_name,
            ]
        locked.status = ShiftRequestStatus.APPROVED
    else:
        locked.status = ShiftRequestStatus.REJECTED
    locked.decided_by, locked.decided_at = actor, now
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    record(
        actor=actor,
        action="approve" if approve else "reject",
        target=locked,
        changes={"status": locked.status, **changes},
    )
    return locked


# Telling the directors of coverage gaps --------------------------------------------------------


def _gap_mail(recipient: User, organisation: Organisation, hours) -> tuple[str, str]:
    by_day: dict[date, list] = defaultdict(list)
    for hour in hours:
        by_day[hour.starts_at.date()].append(hour)
    lines = []
    for day, day_hours in sorted(by_day.items()):
        # Consecutive hours with the same seats are one stretch ("15:00–22:00").
        runs: list[list] = []
        for h in day_hours:
            last = runs[-1] if runs else None
            if last and last[1] == h.starts_at and (last[2], last[3]) == (h.staffed, h.required):
                last[1] = h.starts_at + timedelta(hours=1)
            else:
                runs.append([h.starts_at, h.starts_at + timedelta(hours=1), h.staffed, h.required])
        parts = [
            _("%(start)s–%(end)s (%(staffed)s of %(required)s seats)")
            % {
                "start": f"{start:%H:%M}",
                "end": "24:00" if end.date() != start.date() else f"{end:%H:%M}",
                "staffed": staffed,
                "required": required,
            }
            for start, end, staffed, required in runs
        ]
        lines.append(
            f"{date_format(day, 'SHORT_DATE_FORMAT')} {date_format(day, 'l')}: " + "; ".join(parts)
        )
    subject = ngettext(
        "%(centre)s: %(n)s hour below the minimum of staffed seats",
        "%(centre)s: %(n)s hours below the minimum of staffed seats",
        len(hours),
    ) % {"centre": organisation.name, "n": len(hours)}
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": recipient.work_name},
            "",
            _(
                "These hours of the next 14 days have fewer staffed seats than the centre "
                "promises. Fill the open shifts or ask colleagues to sign up:"
            ),
            "",
            *lines,
            "",
            _("The coverage page: %(url)s") % {"url": settings.BASE_URL + "/operations/coverage/"},
            "",
            _("You are told of each gap hour once."),
        ]
    )
    return subject, body


def do_notify_coverage_gaps(*, now: datetime | None = None) -> int:
    """Tell each director (by e-mail) of the gap hours of the next 14 days they were not told
    of yet, one e-mail per director grouped by day. Each director's notices and e-mail are one
    transaction: a failed send leaves the gaps to the next sweep; a gap told is never told
    again. Returns the number of e-mails sent. Run by ``notify_coverage_gaps`` and the task."""
    now = now or timezone.now()
    sent = 0
    failures: list[Exception] = []
    takers = permissions.roles_with(permissions.HEAR_OF_COVERAGE_GAPS)
    for organisation in Organisation.objects.filter(service_windows__isnull=False).distinct():
        gaps = [h for h in selectors.coverage_for(organisation.pk, now) if h.is_gap]
        if not gaps:
            continue
        directors = (
            User.objects.filter(organisation=organisation, role__in=takers, is_active=True)
            .exclude(email="")
            .order_by("pk")
        )
        for director in directors:
            try:
                if _notify_director(director, organisation, gaps):
                    sent += 1
            except Exception as exc:  # noqa: BLE001 - the others are still told; raised below
                log.exception("coverage gap e-mail to %s not sent", director.public_id)
                failures.append(exc)
    if failures:
        # Every other director was told; the command and the task report the failure, and
        # the next sweep tries those not told again.
        raise failures[0]
    return sent


@transaction.atomic
def _notify_director(director: User, organisation: Organisation, gaps) -> bool:
    # One sweep at a time per director: a second one waits here, then finds the gaps told.
    User.objects.select_for_update().filter(pk=director.pk).first()
    told = set(
        CoverageGapNotice.objects.filter(
            recipient=director, hour_starts_at__gte=gaps[0].starts_at
        ).values_list("hour_starts_at", flat=True)
    )
    new = [h for h in gaps if h.starts_at not in told]
    if not new:
        return False
    now = timezone.now()
    CoverageGapNotice.objects.bulk_create(
        [
            CoverageGapNotice(
                organisation=organisation,
                recipient=director,
                hour_starts_at=h.starts_at,
                required=h.required,
                staffed=h.staffed,
                notified_at=now,
            )
            for h in new
        ]
    )
    record(
        actor=None,
        action="notify_coverage_gaps",
        target=director,
        organisation=organisation,
        changes={"hours": [h.starts_at.isoformat() for h in new], "by": "email"},
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _gap_mail(director, organisation, new)
    # Sent inside the transaction: if the mail server refuses, the notices roll back and the
    # next sweep tries again (docs/decisions/0014-on-duty-from-the-rota.md).
    send_mail(subject, body, None, [director.email], fail_silently=False)
    return True
