"""Call reviews (评价考核): a supervisor rates a colleague's closed contact; the counsellor reads
the feedback on "my reviews" (unread marked, marked read when opened); supervisors and directors
see the centre's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinyuan.core import permissions
from xinyuan.core.views_helpers import add_form_errors, require_perm
from xinyuan.hotline.access import access_contact
from xinyuan.operations import selectors
from xinyuan.operations.access import access_review, decide_contact_review
from xinyuan.operations.actions.reviews import do_mark_review_seen, do_review_contact
from xinyuan.operations.forms import ReviewForm

LIST_LIMIT = 200


@require_http_methods(["GET", "POST"])
@require_perm(permissions.REVIEW_CALLS)
def review_add(request, public_id):
    """评价本次来电: the rubric for a closed contact the reviewer may see."""
    contact_access = access_contact(request.user, public_id)
    decision = decide_contact_review(contact_access)
    if not decision.can_review:
        raise PermissionDenied(decision.refusal)
    contact = contact_access.contact
    form = ReviewForm(request.POST or None, needs_risk=bool(contact.risk_level))
    if request.method == "POST" and form.is_valid():
        try:
            do_review_contact(actor=request.user, contact=contact, **form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            messages.success(request, _("Review saved. The counsellor will see it."))
            return redirect("hotline:contact-detail", public_id=contact.public_id)
    return render(
        request,
        "operations/review_form.html",
        {
            "form": form,
            "contact": contact,
            "needs_risk": bool(contact.risk_level),
        },
        status=422 if request.method == "POST" else 200,
    )


@require_GET
@require_perm(permissions.HANDLE_CONTACTS)
def my_reviews(request):
    """我的评价: the reviews of the user's own contacts, unread ones marked."""
    reviews = list(selectors.reviews_of(request.user)[:LIST_LIMIT])
    return render(
        request,
        "operations/review_list.html",
        {
            "reviews": reviews,
            "mine": True,
            "unseen": sum(r.seen_by_counsellor_at is None for r in reviews),
        },
    )


@require_GET
@require_perm(permissions.VIEW_CALL_REVIEWS)
def review_list(request):
    """The centre's reviews (supervisors, directors)."""
    reviews = list(selectors.reviews_visible_to(request.user)[:LIST_LIMIT])
    return render(request, "operations/review_list.html", {"reviews": reviews, "mine": False})


@require_GET
@require_perm(permissions.HANDLE_CONTACTS, permissions.VIEW_CALL_REVIEWS)
def review_detail(request, public_id):
    """One review. Its counsellor opening it marks it read."""
    access = access_review(request.user, public_id)
    review = access.review
    if access.marks_seen:
        do_mark_review_seen(actor=request.user, review=review)
    return render(request, "operations/review_detail.html", {"review": review, "access": access})
