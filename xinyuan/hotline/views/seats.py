"""The centre's seats, set up by those who run the centre (centre administration)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.accounts.access import access_centre
from xinyuan.accounts.views.centre import seen_at
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError
from xinyuan.core.views_helpers import error_messages, require_perm
from xinyuan.hotline import selectors
from xinyuan.hotline.access import access_seat
from xinyuan.hotline.actions.seats import do_add_seat, do_rename_seat, do_set_seat_in_use
from xinyuan.hotline.forms import SeatForm


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_CENTRE)
def seat_list(request):
    centre = access_centre(request.user)
    form = SeatForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                seat = do_add_seat(actor=request.user, code=form.cleaned_data["code"])
            except ValidationError as exc:
                for message in error_messages(exc):
                    form.add_error("code", message)
            else:
                messages.success(request, _("Seat %(code)s added.") % {"code": seat.code})
                return redirect("hotline:seat-list")
    return render(
        request,
        "hotline/seat_list.html",
        {
            "centre": centre,
            "form": form,
            "seats": selectors.seats_managed_by(request.user),
            "tab": "seats",
        },
        status=status,
    )


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def seat_rename(request, public_id):
    access = access_seat(request.user, public_id)
    try:
        seat = do_rename_seat(
            actor=request.user,
            seat=access.seat,
            code=request.POST.get("code", ""),
            seen_at=seen_at(request),
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Seat saved as %(code)s.") % {"code": seat.code})
    return redirect("hotline:seat-list")


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def seat_in_use(request, public_id):
    access = access_seat(request.user, public_id)
    in_use = request.POST.get("in_use") == "1"
    seat = do_set_seat_in_use(actor=request.user, seat=access.seat, in_use=in_use)
    if in_use:
        messages.success(request, _("Seat %(code)s is in use again.") % {"code": seat.code})
    else:
        messages.success(
            request,
            _("Seat %(code)s retired: new contacts no longer take it; past ones keep it.")
            % {"code": seat.code},
        )
    return redirect("hotline:seat-list")
