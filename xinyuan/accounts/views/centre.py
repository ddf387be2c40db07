"""Centre administration pages (administrators and directors of the centre) and the public page
of a one-time set-password link."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.accounts import access as centre_access
from xinyuan.accounts import selectors
from xinyuan.accounts.actions import centre as actions
from xinyuan.accounts.forms import (
    CentreProfileForm,
    InviteForm,
    ReasonForm,
    SetPasswordForm,
    StaffForm,
)
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError
from xinyuan.core.views_helpers import add_form_errors, error_messages, require_perm

NEVER = datetime.min.replace(tzinfo=UTC)


def seen_at(request) -> datetime:
    """The ``updated_at`` the page was rendered with; a missing or garbled one never matches."""
    try:
        value = datetime.fromisoformat(request.POST.get("seen_at", ""))
    except ValueError:
        return NEVER
    return value if value.tzinfo is not None else NEVER


def _base_url(request) -> str:
    """Where an invitation link points: the configured address of the service; on a
    development machine without one, the address the administrator is using."""
    if settings.BASE_URL_CONFIGURED:
        return settings.BASE_URL + "/"
    return request.build_absolute_uri("/")


def _service_hours_url() -> str | None:
    """The structured service hours page, where the operations app offers one."""
    try:
        return reverse("operations:service-hours")
    except NoReverseMatch:
        return None


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_CENTRE)
def centre_profile(request):
    centre = centre_access.access_centre(request.user)
    form = CentreProfileForm(request.POST or None, instance=copy.copy(centre))
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                actions.do_update_centre_profile(
                    actor=request.user,
                    organisation=centre,
                    data=form.cleaned_data,
                    seen_at=seen_at(request),
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("Centre profile saved."))
                return redirect("accounts:centre")
    return render(
        request,
        "accounts/centre_profile.html",
        {
            "centre": centre,
            "form": form,
            "seen_at": centre.updated_at.isoformat(),
            "service_hours_url": _service_hours_url(),
            "tab": "profile",
        },
        status=status,
    )


@require_GET
@require_perm(permissions.MANAGE_CENTRE)
def staff_list(request):
    centre = centre_access.access_centre(request.user)
    resets = [
        centre_access.decide_two_factor_reset(request.user, reset)
        for reset in selectors.pending_two_factor_resets(request.user).order_by("expires_at")
    ]
    return render(
        request,
        "accounts/staff_list.html",
        {
            "centre": centre,
            "staff": selectors.staff_list(request.user),
            "resets": resets,
            "tab": "staff",
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_CENTRE)
def staff_invite(request):
    centre = centre_access.access_centre(request.user)
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "username"}
            try:
                user, url = actions.do_invite_staff(
                    actor=request.user,
                    username=form.cleaned_data["username"],
                    data=data,
                    base_url=_base_url(request),
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                return render(
                    request,
                    "accounts/staff_link.html",
                    {
                        "centre": centre,
                        "staff": user,
                        "url": url,
                        "invited": True,
                        "link_hours": settings.SIGN_IN_LINK_HOURS,
                        "tab": "staff",
                    },
                )
    return render(
        request,
        "accounts/staff_form.html",
        {"centre": centre, "form": form, "inviting": True, "tab": "staff"},
        status=status,
    )


def _staff_page(request, access, form, *, reason_form=None, status=200):
    return render(
        request,
        "accounts/staff_form.html",
        {
            "centre": request.user.organisation,
            "form": form,
            "access": access,
            "staff": access.staff,
            "seen_at": access.staff.updated_at.isoformat(),
            "reason_form": reason_form or ReasonForm(),
            "tab": "staff",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_CENTRE)
def staff_edit(request, public_id):
    access = centre_access.access_staff(request.user, public_id)
    staff = access.staff
    form = StaffForm(
        request.POST or None,
        instance=copy.copy(staff),
        can_change_role=access.can_change_role,
    )
    if request.method == "GET":
        return _staff_page(request, access, form)
    status = 422
    if form.is_valid():
        try:
            actions.do_update_staff(
                actor=request.user, staff=staff, data=form.cleaned_data, seen_at=seen_at(request)
            )
        except ConflictError as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Account of %(name)s saved.") % {"name": staff.username})
            return redirect("accounts:staff-list")
    return _staff_page(request, access, form, status=status)


def _done_or_error(request, call, success: str):
    try:
        call()
    except ValidationError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, success)


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def staff_deactivate(request, public_id):
    access = centre_access.access_staff(request.user, public_id)
    _done_or_error(
        request,
        lambda: actions.do_deactivate_staff(
            actor=request.user, staff=access.staff, reason=request.POST.get("reason", "")[:200]
        ),
        _("%(name)s can no longer sign in. Their records keep their name.")
        % {"name": access.staff.username},
    )
    return redirect("accounts:staff-list")


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def staff_reactivate(request, public_id):
    access = centre_access.access_staff(request.user, public_id)
    _done_or_error(
        request,
        lambda: actions.do_reactivate_staff(actor=request.user, staff=access.staff),
        _("%(name)s can sign in again.") % {"name": access.staff.username},
    )
    return redirect("accounts:staff-list")


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def staff_sign_in_link(request, public_id):
    access = centre_access.access_staff(request.user, public_id, require="can_issue_link")
    url = actions.do_issue_sign_in_link(
        actor=request.user, staff=access.staff, base_url=_base_url(request)
    )
    return render(
        request,
        "accounts/staff_link.html",
        {
            "centre": request.user.organisation,
            "staff": access.staff,
            "url": url,
            "link_hours": settings.SIGN_IN_LINK_HOURS,
            "tab": "staff",
        },
    )


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def staff_two_factor_reset(request, public_id):
    access = centre_access.access_staff(
        request.user, public_id, require="can_request_two_factor_reset"
    )
    reason_form = ReasonForm(request.POST)
    if reason_form.is_valid():
        try:
            actions.do_request_two_factor_reset(
                actor=request.user, staff=access.staff, reason=reason_form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_form_errors(reason_form, exc)
        else:
            messages.success(
                request,
                _(
                    "Reset requested. Another administrator or director must confirm it on the "
                    "staff page."
                ),
            )
            return redirect("accounts:staff-list")
    form = StaffForm(instance=copy.copy(access.staff), can_change_role=access.can_change_role)
    return _staff_page(request, access, form, reason_form=reason_form, status=422)


@require_POST
@require_perm(permissions.MANAGE_CENTRE)
def two_factor_reset_confirm(request, public_id):
    access = centre_access.access_two_factor_reset(request.user, public_id)
    _done_or_error(
        request,
        lambda: actions.do_confirm_two_factor_reset(actor=request.user, reset=access.reset),
        _(
            "Two-factor sign-in of %(name)s removed. They set up their authenticator again at "
            "their next sign-in."
        )
        % {"name": access.reset.user.username},
    )
    return redirect("accounts:staff-list")


@require_http_methods(["GET", "POST"])
def set_password(request, key):
    """The page a one-time link opens (no sign-in needed): choose a password, then sign in."""
    link = selectors.sign_in_link_for(key)
    if link is None:
        return render(request, "accounts/set_password.html", {"invalid": True}, status=404)
    form = SetPasswordForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = actions.do_set_password_by_link(
                    clear=key,
                    password=form.cleaned_data["password"],
                    password_again=form.cleaned_data["password_again"],
                )
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                if request.user.is_authenticated:
                    logout(request)
                messages.success(
                    request,
                    _("Your password is set. Sign in as %(username)s.")
                    % {"username": user.username},
                )
                return redirect("accounts:login")
    return render(
        request,
        "accounts/set_password.html",
        {"form": form, "link_user": link.user},
        status=status,
    )
