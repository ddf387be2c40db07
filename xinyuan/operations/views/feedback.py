"""The public complaints and feedback form (HL-15), beside the self-test portal: no sign-in, no
captcha. The person gets a reference for their own message and sees nothing of anyone else's;
a device or network sending many in a short time is refused (``actions/complaints.py``)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from xinyuan.accounts.models import Organisation
from xinyuan.core import crypto
from xinyuan.core.network import network_of
from xinyuan.core.views_helpers import add_form_errors
from xinyuan.operations.actions.complaints import (
    FeedbackOrigin,
    FloodLimited,
    do_submit_feedback,
)
from xinyuan.operations.forms import PublicFeedbackForm

DEVICE = "feedback_device"
SENT = "feedback_sent"  # centre public id → the reference of the last message sent from here


def _centre(public_id) -> Organisation:
    centre = Organisation.objects.filter(public_id=public_id).first()
    if centre is None:
        raise Http404
    return centre


def _origin(request) -> FeedbackOrigin:
    """A random id of this browser's session and the network of its address, each only as a
    keyed hash (as the self-test portal counts)."""
    device = request.session.get(DEVICE)
    if not device:
        device = request.session[DEVICE] = secrets.token_urlsafe(24)
    network = network_of(request.META.get("REMOTE_ADDR", ""))
    return FeedbackOrigin(
        device_hash=crypto.keyed_hash("feedback-device", device),
        network_hash=crypto.keyed_hash("feedback-network", network) if network else "",
    )


@require_http_methods(["GET", "POST"])
def feedback_form(request, centre):
    organisation = _centre(centre)
    form = PublicFeedbackForm(request.POST or None)
    limited = False
    if request.method == "POST" and form.is_valid():
        try:
            complaint = do_submit_feedback(
                organisation=organisation, origin=_origin(request), **form.cleaned_data
            )
        except FloodLimited as exc:
            limited = True
            add_form_errors(form, exc)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            request.session[SENT] = {
                **request.session.get(SENT, {}),
                str(organisation.public_id): complaint.reference,
            }
            return redirect("feedback:sent", centre=organisation.public_id)
    return render(
        request,
        "operations/feedback_form.html",
        {"form": form, "organisation": organisation},
        status=(429 if limited else 422) if request.method == "POST" else 200,
    )


@require_GET
def feedback_sent(request, centre):
    """The reference of the message this browser just sent (nothing when it sent none)."""
    organisation = _centre(centre)
    reference = request.session.get(SENT, {}).get(str(organisation.public_id))
    if reference is None:
        return redirect("feedback:form", centre=organisation.public_id)
    return render(
        request,
        "operations/feedback_sent.html",
        {"organisation": organisation, "reference": reference},
    )
