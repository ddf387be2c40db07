"""Emergency (break-glass) access to a contact of another centre of the region."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.core import permissions
from xinyuan.core.views_helpers import require_perm
from xinyuan.hotline import selectors
from xinyuan.hotline.access import access_break_glass_review
from xinyuan.hotline.actions.break_glass import do_open_break_glass, do_review_break_glass
from xinyuan.hotline.forms import BreakGlassForm, BreakGlassReviewForm


@require_http_methods(["GET", "POST"])
@require_perm(permissions.BREAK_GLASS)
def break_glass(request):
    """Find the record with a reference or the caller's number, state why, and open it."""
    form = BreakGlassForm(request.POST or None, centres=selectors.other_centres(request.user))
    if request.method == "POST" and form.is_valid():
        kind, value = form.cleaned_data.get("reference") or ("", None)
        found = selectors.break_glass_candidates(
            request.user,
            reference=value if kind == "id" else None,
            number=value if kind == "number" else "",
            centre=form.cleaned_data.get("centre") or None,
            caller_number=form.cleaned_data.get("caller_number", ""),
        )
        if not found:
            form.add_error(None, _no_record_message())
        else:
            try:
                grants = do_open_break_glass(
                    actor=request.user, contacts=found, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                form.add_error("reason", exc.messages)
            else:
                # Post/redirect/get: a reload never opens the same records a second time.
                messages.success(
                    request,
                    ngettext(
                        "%(n)s record is open for you to read.",
                        "%(n)s records are open for you to read.",
                        len(grants),
                    )
                    % {"n": len(grants)},
                )
                return redirect("hotline:break-glass")
    status = 422 if form.is_bound and form.errors else 200
    region = getattr(request.user.organisation, "region", None)
    return render(
        request,
        "hotline/break_glass.html",
        {
            "form": form,
            "grants": selectors.active_break_glass_for(request.user),
            "region": region,
        },
        status=status,
    )


def _no_record_message() -> str:
    from django.utils.translation import gettext as _

    return _("No record of another centre of your region matches. Check the number you entered.")


# The record's own centre reviews every emergency access (auditors and directors) --------------


@require_GET
@require_perm(permissions.VIEW_AUDIT)
def break_glass_review_list(request):
    """Emergency accesses to this centre's records: open ones first, each to be reviewed."""
    accesses = list(
        selectors.break_glass_accesses_for_review(request.user).order_by(
            F("reviewed_at").asc(nulls_first=True), "-created_at"
        )[:200]
    )
    return render(
        request,
        "hotline/break_glass_review_list.html",
        {"accesses": accesses, "review_form": BreakGlassReviewForm(), "now": timezone.now()},
    )


@require_POST
@require_perm(permissions.VIEW_AUDIT)
def break_glass_review(request, public_id):
    decision = access_break_glass_review(request.user, public_id)
    if not decision.can_review:
        raise PermissionDenied
    form = BreakGlassReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_break_glass(
                actor=request.user, access=decision.access, note=form.cleaned_data["note"]
            )
            messages.success(request, _("The emergency access is marked as reviewed."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("hotline:break-glass-review-list")
