"""Setting up and running a centre: the centre itself (``manage.py create_centre``), its profile,
its staff accounts (invitation by one-time link, edits, deactivation — never deletion, so every
record keeps its author) and the reset of someone's two-factor sign-in by two people.

Every action is atomic and writes its audit event in the same transaction; the decisions come
from ``accounts.access``. Staff changes lock the centre's row first, so two administrators
cannot together remove the centre's last one who runs it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xinyuan.accounts import selectors
from xinyuan.accounts.access import (
    decide_staff,
    decide_two_factor_reset,
    runs_centre,
)
from xinyuan.accounts.models import (
    Employment,
    Organisation,
    Qualification,
    Region,
    SignInLink,
    SignInLinkPurpose,
    TwoFactorReset,
    User,
)
from xinyuan.accounts.tokens import hash_token
from xinyuan.audit.actions import record
from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError, PermissionDeniedError
from xinyuan.core.permissions import Role

# The profile fields a centre's administrators edit (the region and the name of the record
# itself are set when the centre is created).
PROFILE_FIELDS = (
    "name",
    "hotline_name",
    "hotline_number",
    "line_count",
    "hotline_hours",
    "clinic",
    "emergency_numbers",
)
STAFF_FIELDS = (
    "first_name",
    "email",
    "role",
    "alias",
    "qualification",
    "employment",
    "home_institution",
)
# A centre's accounts hold any role but a region's (a health-commission officer has no centre).
CENTRE_ROLES = tuple(str(role) for role in Role if role not in permissions.REGIONAL_ROLES)


def _stale(message_kind: str) -> ConflictError:
    return ConflictError(
        0,
        _(
            "Someone else changed this %(kind)s while you were editing. Nothing was saved: "
            "reload the page to see their change; what you typed is still below."
        )
        % {"kind": message_kind},
    )


def _check_fresh(current: datetime, expected: datetime | None, kind: str) -> None:
    """Refuse a change made on a page that showed an older state (``expected``): the
    ``updated_at`` the page was rendered with. None: not from a page (a command)."""
    if expected is not None and current != expected:
        raise _stale(kind)


def new_link_key() -> str:
    return secrets.token_urlsafe(32)


def sign_in_link_url(clear: str, base_url: str | None = None) -> str:
    base = (base_url or settings.BASE_URL).rstrip("/")
    return base + reverse("accounts:set-password", kwargs={"key": clear})


def _issue_link(*, actor, user: User) -> str:
    """A new one-time link for ``user``; any earlier unused one stops working."""
    now = timezone.now()
    SignInLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    clear = new_link_key()
    link = SignInLink.objects.create(
        user=user,
        purpose=SignInLinkPurpose.INVITATION,
        key_hash=hash_token(clear),
        expires_at=now + timedelta(hours=settings.SIGN_IN_LINK_HOURS),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action="issue_sign_in_link",
        target=user,
        changes={"link": link.public_id, "expires_at": link.expires_at},
        organisation=user.organisation,
    )
    return clear


def _send_invitation(user: User, url: str) -> None:
    if not (settings.INVITE_BY_EMAIL and user.email):
        return
    from django.core.mail import send_mail

    hours = settings.SIGN_IN_LINK_HOURS
    transaction.on_commit(
        lambda: send_mail(
            _("Your account on Xinyuan"),
            _(
                "An account was made for you (user name: %(username)s). Open this link within "
                "%(hours)s hours to choose your password; it works once:\n\n%(url)s\n"
            )
            % {"username": user.username, "hours": hours, "url": url},
            None,
            [user.email],
            fail_silently=True,
        )
    )


# The centre -----------------------------------------------------------------------------------


@transaction.atomic
def do_create_centre(
    *,
    actor=None,
    region_name: str,
    region_code: str = "",
    centre_name: str,
    hotline_name: str = "",
    hotline_number: str = "",
    admin_username: str,
    admin_email: str = "",
    admin_password: str | None = None,
    base_url: str | None = None,
) -> tuple[Organisation, User, str]:
    """A region (reused if it exists), a new centre and its first administrator, for a real
    deployment (``manage.py create_centre``). ``actor`` None: the system. The administrator
    gets ``admin_password`` or else a one-time set-password link, returned as the third value
    ("" when a password was given)."""
    errors: dict[str, list[str]] = {}
    region_name, centre_name = region_name.strip(), centre_name.strip()
    admin_username = admin_username.strip()
    if not region_name:
        errors["region_name"] = [_("Name the region (e.g. the health commission's city).")]
    if not centre_name:
        errors["centre_name"] = [_("Name the centre.")]
    elif Organisation.objects.filter(name=centre_name).exists():
        errors["centre_name"] = [
            _("A centre named “%(name)s” exists already: nothing was changed.")
            % {"name": centre_name}
        ]
    errors.update(_username_problems(admin_username))
    if admin_password is not None:
        try:
            password_validation.validate_password(admin_password)
        except ValidationError as exc:
            errors["admin_password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    region, created = Region.objects.get_or_create(
        name=region_name, defaults={"code": region_code.strip()}
    )
    if created:
        record(
            actor=actor,
            action="create",
            target=region,
            changes={"name": region.name, "code": region.code},
        )
    centre = Organisation.objects.create(
        name=centre_name,
        region=region,
        hotline_name=hotline_name.strip(),
        hotline_number=hotline_number.strip(),
    )
    record(
        actor=actor,
        action="create",
        target=centre,
        changes={
            "name": centre.name,
            "region": region.name,
            "hotline_name": centre.hotline_name,
            "hotline_number": centre.hotline_number,
        },
        organisation=centre,
    )
    admin = User(
        username=admin_username,
        email=admin_email.strip(),
        organisation=centre,
        role=Role.ADMIN,
    )
    if admin_password is not None:
        admin.set_password(admin_password)
    else:
        admin.set_unusable_password()
    admin.save()
    record(
        actor=actor,
        action="create",
        target=admin,
        changes={
            "username": admin.username,
            "role": admin.role,
            "password": "set" if admin_password is not None else "by one-time link",
        },
        organisation=centre,
    )
    clear = "" if admin_password is not None else _issue_link(actor=actor, user=admin)
    return centre, admin, (sign_in_link_url(clear, base_url) if clear else "")


@transaction.atomic
def do_update_centre_profile(
    *, actor, organisation: Organisation, data: dict[str, Any], seen_at: datetime | None
) -> Organisation:
    """Change the centre's profile (name, hotline, opening hours text, clinic, emergency
    numbers); refused if the page showed an older state than the one saved now."""
    if not runs_centre(actor, organisation.pk):
        raise PermissionDeniedError
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _check_fresh(locked.updated_at, seen_at, _("centre profile"))
    values = {name: data[name] for name in PROFILE_FIELDS if name in data}
    name = str(values.get("name", locked.name)).strip()
    if not name:
        raise ValidationError({"name": _("The centre needs a name.")})
    if Organisation.objects.filter(name=name).exclude(pk=locked.pk).exists():
        raise ValidationError({"name": _("Another centre already has this name.")})
    changes = {
        field: [getattr(locked, field), value]
        for field, value in values.items()
        if getattr(locked, field) != value
    }
    if changes:
        for field, (_old, value) in changes.items():
            setattr(locked, field, value)
        locked.save(update_fields=[*changes, "updated_at"])
        record(actor=actor, action="update", target=locked, changes=changes)
    return locked


# Staff accounts -------------------------------------------------------------------------------


def _username_problems(username: str) -> dict[str, list[str]]:
    if not username:
        return {"username": [_("Give a user name to sign in with.")]}
    try:
        User.username_validator(username)
    except ValidationError:
        return {
            "username": [_("A user name holds only letters, digits and @ . + - _ (no spaces).")]
        }
    if len(username) > 150:
        return {"username": [_("Keep the user name to 150 characters or fewer.")]}
    if User.objects.filter(username__iexact=username).exists():
        return {"username": [_("This user name is taken: choose another.")]}
    return {}


def _staff_values(data: dict[str, Any]) -> dict[str, Any]:
    """The staff fields given, cleaned; a ValidationError naming each problem."""
    values = {name: data[name] for name in STAFF_FIELDS if name in data}
    for name in ("first_name", "email", "alias", "home_institution"):
        if name in values:
            values[name] = " ".join(str(values[name] or "").split())
    errors: dict[str, list[str]] = {}
    if "role" in values and values["role"] not in CENTRE_ROLES:
        errors["role"] = [_("Choose one of the roles offered.")]
    if values.get("qualification") and values["qualification"] not in Qualification.values:
        errors["qualification"] = [_("Choose one of the qualifications offered.")]
    if "employment" in values and values["employment"] not in Employment.values:
        errors["employment"] = [_("Choose full-time or part-time.")]
    if errors:
        raise ValidationError(errors)
    return values


def _check_alias(organisation_id: int | None, alias: str, exclude_pk: int | None = None) -> None:
    if not alias or organisation_id is None:
        return
    taken = User.objects.filter(organisation_id=organisation_id, alias=alias)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "alias": _(
                    "The alias “%(alias)s” is already used by another account of this centre: "
                    "callers must be able to tell counsellors apart."
                )
                % {"alias": alias}
            }
        )


def _check_a_manager_remains(organisation_id: int | None, *, without: User) -> None:
    """Refuse a change that would leave the centre with nobody active who runs it."""
    if not selectors.centre_managers(organisation_id).exclude(pk=without.pk).exists():
        raise ValidationError(
            _(
                "%(name)s is the centre's last active administrator or director: give this "
                "role to someone else first."
            )
            % {"name": without.work_name}
        )


def _check_may_manage_role(actor, organisation_id: int | None, *roles: str) -> None:
    """Roles that see the whole centre's records (supervisor, director) are given, changed and
    taken away by the centre's director only. The administrator runs accounts, not care: it
    may invite the centre's first director (while there is none) and no other such role."""
    leads = set(permissions.roles_with(permissions.VIEW_ORG_CONTACTS))
    if actor.role == Role.DIRECTOR or not leads.intersection(roles):
        return
    has_director = (
        organisation_id is not None
        and User.objects.filter(
            organisation_id=organisation_id, role=Role.DIRECTOR, is_active=True
        ).exists()
    )
    if not has_director and set(roles) <= {str(Role.DIRECTOR)}:
        return
    raise ValidationError(
        {
            "role": _(
                "Only the centre's director gives, changes or removes the supervisor and "
                "director roles (while the centre has no director, the administrator may invite "
                "the first one)."
            )
        }
    )


def _lock_centre(organisation_id: int | None) -> None:
    """Serialise staff changes of one centre (the last-manager and alias rules hold under
    concurrency). An account of no centre is no centre administration's business."""
    if organisation_id is None:
        raise PermissionDeniedError
    Organisation.objects.select_for_update().filter(pk=organisation_id).values_list(
        "pk", flat=True
    ).first()


@transaction.atomic
def do_invite_staff(
    *, actor, username: str, data: dict[str, Any], base_url: str | None = None
) -> tuple[User, str]:
    """Make an account in the actor's centre with no usable password, and a one-time link (valid
    SIGN_IN_LINK_HOURS) with which its owner chooses one. Returns the account and the link (shown
    once; e-mailed too when INVITE_BY_EMAIL is on and an address is given)."""
    if not runs_centre(actor, actor.organisation_id):
        raise PermissionDeniedError
    _lock_centre(actor.organisation_id)
    username = (username or "").strip()
    errors = _username_problems(username)
    try:
        values = _staff_values(data)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        values = {}
    if errors:
        raise ValidationError(errors)
    values.setdefault("role", Role.COUNSELLOR)
    _check_may_manage_role(actor, actor.organisation_id, values["role"])
    _check_alias(actor.organisation_id, values.get("alias", ""))
    user = User(username=username, organisation_id=actor.organisation_id, **values)
    user.set_unusable_password()
    user.save()
    record(
        actor=actor,
        action="invite",
        target=user,
        changes={"username": username, **values},
        organisation=actor.organisation,
    )
    url = sign_in_link_url(_issue_link(actor=actor, user=user), base_url)
    _send_invitation(user, url)
    return user, url


@transaction.atomic
def do_issue_sign_in_link(*, actor, staff: User, base_url: str | None = None) -> str:
    """A new one-time link for an account that has not chosen its password yet (the first one
    expired or was lost); the earlier link stops working."""
    _lock_centre(staff.organisation_id)
    locked = User.objects.get(pk=staff.pk)
    if not decide_staff(actor, locked).can_issue_link:
        raise PermissionDeniedError
    url = sign_in_link_url(_issue_link(actor=actor, user=locked), base_url)
    _send_invitation(locked, url)
    return url


@transaction.atomic
def do_set_password_by_link(*, clear: str, password: str, password_again: str) -> User:
    """The owner of a one-time link chooses their password; the link is then used up."""
    link = selectors.sign_in_link_for(clear)
    if link is None:
        raise ValidationError(
            _("This link is not valid any more: it was used, replaced or has expired.")
        )
    locked = SignInLink.objects.select_for_update().get(pk=link.pk)
    if locked.used_at is not None or locked.revoked_at is not None:
        raise ValidationError(
            _("This link is not valid any more: it was used, replaced or has expired.")
        )
    user = User.objects.select_for_update().get(pk=link.user_id)
    if password != password_again:
        raise ValidationError({"password_again": _("The two passwords differ: type them again.")})
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    now = timezone.now()
    user.set_password(password)
    user.save(update_fields=["password"])
    locked.used_at = now
    locked.save(update_fields=["used_at", "updated_at"])
    record(
        actor=user,
        action="set_password",
        target=user,
        changes={"link": locked.public_id},
        organisation=user.organisation,
    )
    return user


@transaction.atomic
def do_update_staff(*, actor, staff: User, data: dict[str, Any], seen_at: datetime | None) -> User:
    """Change an account's name, e-mail, role, alias, qualification, employment or home
    institution; refused if the page showed an older state than the one saved now."""
    _lock_centre(staff.organisation_id)
    locked = User.objects.select_for_update().get(pk=staff.pk)
    access = decide_staff(actor, locked)
    if not access.can_edit:
        raise PermissionDeniedError
    _check_fresh(locked.updated_at, seen_at, _("account"))
    values = _staff_values(data)
    if "role" in values and values["role"] != locked.role:
        if not access.can_change_role:
            raise ValidationError({"role": _("You cannot change your own role.")})
        _check_may_manage_role(actor, locked.organisation_id, locked.role, values["role"])
        managing = permissions.roles_with(permissions.MANAGE_CENTRE)
        if locked.is_active and values["role"] not in managing:
            _check_a_manager_remains(locked.organisation_id, without=locked)
    if "alias" in values:
        _check_alias(locked.organisation_id, values["alias"], exclude_pk=locked.pk)
    changes = {
        field: [getattr(locked, field), value]
        for field, value in values.items()
        if getattr(locked, field) != value
    }
    if changes:
        for field, (_old, value) in changes.items():
            setattr(locked, field, value)
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changes, "updated_at"])
        record(
            actor=actor,
            action="update",
            target=locked,
            changes=changes,
            organisation=locked.organisation,
        )
    return locked


@transaction.atomic
def do_deactivate_staff(*, actor, staff: User, reason: str = "") -> User:
    """Stop an account signing in or using the API (never deleted: its records keep their
    author). Its unused links stop working and it goes off duty."""
    _lock_centre(staff.organisation_id)
    locked = User.objects.select_for_update().get(pk=staff.pk)
    access = decide_staff(actor, locked)
    if not access.own_centre:
        raise PermissionDeniedError
    if access.is_self:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not locked.is_active:
        raise ValidationError(_("This account is already deactivated."))
    try:
        _check_may_manage_role(actor, locked.organisation_id, locked.role)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["role"]) from exc
    if permissions.has_perm(locked, permissions.MANAGE_CENTRE):
        _check_a_manager_remains(locked.organisation_id, without=locked)
    now = timezone.now()
    locked.is_active, locked.is_on_duty, locked.updated_at = False, False, now
    locked.save(update_fields=["is_active", "is_on_duty", "updated_at"])
    SignInLink.objects.filter(user=locked, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    record(
        actor=actor,
        action="deactivate",
        target=locked,
        changes={"is_active": [True, False]},
        reason=reason.strip(),
        organisation=locked.organisation,
    )
    return locked


@transaction.atomic
def do_reactivate_staff(*, actor, staff: User) -> User:
    _lock_centre(staff.organisation_id)
    locked = User.objects.select_for_update().get(pk=staff.pk)
    if not decide_staff(actor, locked).can_reactivate:
        if locked.is_active and decide_staff(actor, locked).own_centre:
            raise ValidationError(_("This account is already active."))
        raise PermissionDeniedError
    _check_alias(locked.organisation_id, locked.alias, exclude_pk=locked.pk)
    locked.is_active, locked.updated_at = True, timezone.now()
    locked.save(update_fields=["is_active", "updated_at"])
    record(
        actor=actor,
        action="reactivate",
        target=locked,
        changes={"is_active": [False, True]},
        organisation=locked.organisation,
    )
    return locked


# Two-factor reset by two people ---------------------------------------------------------------


@transaction.atomic
def do_request_two_factor_reset(*, actor, staff: User, reason: str) -> TwoFactorReset:
    """Ask that ``staff``'s two-factor sign-in be removed (a lost phone); a different
    administrator or director must confirm within TWO_FACTOR_RESET_HOURS."""
    _lock_centre(staff.organisation_id)
    locked = User.objects.get(pk=staff.pk)
    if not decide_staff(actor, locked).can_request_two_factor_reset:
        raise PermissionDeniedError
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why (e.g. the phone with the app was lost).")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("Keep the reason to 200 characters or fewer.")})
    if selectors.pending_two_factor_resets(actor).filter(user=locked).exists():
        raise ValidationError(
            _("A reset of this account's two-factor sign-in already waits for confirmation.")
        )
    reset = TwoFactorReset.objects.create(
        organisation_id=locked.organisation_id,  # type: ignore[misc]  # set: a centre's account
        user=locked,
        requested_by=actor,
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=settings.TWO_FACTOR_RESET_HOURS),
    )
    record(
        actor=actor,
        action="2fa_reset_request",
        target=reset,
        changes={"user": locked.username, "expires_at": reset.expires_at},
        reason=reason,
    )
    return reset


@transaction.atomic
def do_confirm_two_factor_reset(*, actor, reset: TwoFactorReset) -> TwoFactorReset:
    """The second person confirms: the account's authenticator is removed and it enrols a new
    one at its next sign-in (when two-factor sign-in is required for its role)."""
    locked = TwoFactorReset.objects.select_for_update().get(pk=reset.pk)
    if not decide_two_factor_reset(actor, locked).can_confirm:
        if locked.confirmed_at is not None or locked.expires_at <= timezone.now():
            raise ValidationError(
                _("This request was confirmed already or has expired: ask again if needed.")
            )
        if runs_centre(actor, locked.organisation_id):
            raise ValidationError(
                _(
                    "A second person must confirm: another administrator or director, neither "
                    "the one who asked nor the account's owner."
                )
            )
        raise PermissionDeniedError
    # The second person must be a second person: not an account made after the request, nor
    # one the requester invited (a requester could otherwise confirm through a fresh account).
    invited_by_requester = SignInLink.objects.filter(
        user=actor, created_by_id=locked.requested_by_id
    ).exists()
    if actor.date_joined >= locked.created_at or invited_by_requester:
        raise ValidationError(
            _(
                "A second person must confirm: another administrator or director, who had an "
                "account before the request and was not invited by the one who asked."
            )
        )
    target = User.objects.select_for_update().get(pk=locked.user_id)
    now = timezone.now()
    target.totp_secret_encrypted, target.totp_confirmed_at, target.totp_last_step = "", None, -1
    target.updated_at = now
    target.save(
        update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_step", "updated_at"]
    )
    locked.confirmed_by, locked.confirmed_at = actor, now
    locked.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    record(
        actor=actor,
        action="2fa_reset",
        target=target,
        changes={"request": locked.public_id, "requested_by": locked.requested_by.username},
        reason=locked.reason,
        organisation=target.organisation,
    )
    return locked
