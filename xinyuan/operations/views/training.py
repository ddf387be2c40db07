"""Training and supervision (OP-03): the centre's overview with what runs out, each person's
page, and recording sessions, individual training and supervision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinyuan.accounts.models import User
from xinyuan.core import permissions
from xinyuan.core.views_helpers import add_form_errors, require_perm
from xinyuan.operations import access, rules, selectors
from xinyuan.operations.actions.training import (
    do_record_supervision_session,
    do_record_training,
    do_record_training_session,
)
from xinyuan.operations.forms import (
    SupervisionSessionForm,
    TrainingRecordForm,
    TrainingSessionForm,
)

LIST_LIMIT = 200


@require_GET
@require_perm(permissions.MANAGE_TRAINING)
def training_overview(request):
    """Everyone's required training, the problems first, and the sessions held."""
    today = timezone.localdate()
    people = selectors.training_overview(request.user, today)
    people.sort(key=lambda p: (not p.problems, p.person.username))
    return render(
        request,
        "operations/training_overview.html",
        {
            "people": people,
            "topics": people[0].standing if people else [],
            "with_problems": sum(1 for p in people if p.problems),
            "sessions": selectors.training_sessions_visible_to(request.user)[:LIST_LIMIT],
            "today": today,
            "warning_days": rules.EXPIRY_WARNING_DAYS,
        },
    )


def _person_page(request, person):
    if not access.can_see_training_of(request.user, person):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "operations/person_training.html",
        {
            "person": person,
            "is_me": person.pk == request.user.pk,
            "standing": selectors.training_standing_of(person, today),
            "records": selectors.training_records_of(person)[:LIST_LIMIT],
            "supervisions": selectors.supervision_sessions_of(request.user, person)[:LIST_LIMIT],
            "warning_days": rules.EXPIRY_WARNING_DAYS,
            "can_manage": access.can_manage_training(request.user),
        },
    )


@require_GET
@require_perm(permissions.HANDLE_CONTACTS)
def my_training(request):
    return _person_page(request, request.user)


@require_GET
@require_perm(permissions.MANAGE_TRAINING)
def person_training(request, public_id):
    person = User.objects.filter(
        organisation_id=request.user.organisation_id, public_id=public_id
    ).first()
    if person is None:
        raise Http404
    return _person_page(request, person)


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_TRAINING)
def training_session_add(request):
    staff = selectors.training_staff(request.user)
    form = TrainingSessionForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = do_record_training_session(
                actor=request.user,
                title=data["title"],
                topic=data["topic"],
                held_on=data["held_on"],
                hours=data["hours"],
                trainer=data["trainer"],
                attendees=data["attendees"],
                expires_on=data["expires_on"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Training recorded for %(n)s people.") % {"n": session.records.count()},
            )
            return redirect("operations:training-overview")
    return render(
        request,
        "operations/training_form.html",
        {"form": form, "title": _("Record a training session")},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_TRAINING)
def training_record_add(request):
    staff = selectors.training_staff(request.user)
    initial = {}
    try:
        found = staff.filter(public_id=request.GET.get("person") or None).first()
    except ValidationError:  # not a UUID
        found = None
    if found is not None:
        initial = {"person": found}
    form = TrainingRecordForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training = do_record_training(actor=request.user, **data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("operations:person-training", public_id=training.user.public_id)
    return render(
        request,
        "operations/training_form.html",
        {"form": form, "title": _("Record training taken elsewhere")},
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@require_perm(permissions.MANAGE_TRAINING, permissions.HANDLE_CONTACTS)
def supervision_list(request):
    """The centre's supervision sessions (supervisors, directors), or the user's own."""
    sessions = list(selectors.supervision_sessions_visible_to(request.user)[:LIST_LIMIT])
    return render(
        request,
        "operations/supervision_list.html",
        {"sessions": sessions, "can_manage": access.can_manage_training(request.user)},
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_TRAINING)
def supervision_add(request):
    user = request.user
    staff = selectors.training_staff(user)
    supervisors = staff.model.objects.filter(
        organisation_id=user.organisation_id,
        role__in=permissions.roles_with(permissions.MANAGE_TRAINING),
        is_active=True,
    ).order_by("username")
    form = SupervisionSessionForm(
        request.POST or None,
        staff=staff,
        supervisors=supervisors,
        initial={"supervisor": user if user in supervisors else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers = data["contact_numbers"]
        contacts = list(selectors.contacts_for_supervision(user, numbers))
        found = {c.number for c in contacts}
        try:
            do_record_supervision_session(
                actor=user,
                format=data["format"],
                held_on=data["held_on"],
                hours=data["hours"],
                supervisor=data["supervisor"],
                external_supervisor=data["external_supervisor"],
                attendees=data["attendees"],
                topics=data["topics"],
                contacts=contacts,
                unknown_numbers=[n for n in numbers if n not in found],
            )
        except ValidationError as exc:
            add_form_errors(form, exc, rename={"contacts": "contact_numbers"})
        else:
            messages.success(request, _("Supervision session recorded."))
            return redirect("operations:supervision-list")
    return render(
        request,
        "operations/training_form.html",
        {"form": form, "title": _("Record a supervision session")},
        status=422 if request.method == "POST" else 200,
    )
