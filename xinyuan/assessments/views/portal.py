"""The public self-test portal (AS-02): phone-first, one question per screen, no JavaScript
needed. A test in progress lives in the visitor's session, so it resumes on the same device;
its submission key makes a double submission return the first result."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyuan.assessments import registry, selectors
from xinyuan.assessments.access import decide_archive
from xinyuan.assessments.actions import do_request_callback, do_submit, new_key
from xinyuan.assessments.models import Campaign, Participant, SelfAssessment, Source
from xinyuan.assessments.rules import Origin, network_of
from xinyuan.core import crypto
from xinyuan.hotline.access import access_contact
from xinyuan.hotline.actions import do_record_consent

DRAFTS = "selftest_drafts"
MINE = "selftest_results"
LAST = "selftest_last"
STAFF_CONTACTS = "selftest_staff_contacts"
DEVICE = "selftest_device"
PORTAL_ORDER = ("phq9", "gad7", "who5", "k6", "k10", "phq15", "pcl5")


def _portal_order(code: str) -> tuple[int, str]:
    return (PORTAL_ORDER.index(code) if code in PORTAL_ORDER else len(PORTAL_ORDER), code)


def _more_link(assessment) -> str:
    """Where "other self-tests" leads: back to the campaign the person came from."""
    if assessment.participant_id:
        return reverse("assessments:portal-personal", args=[assessment.participant.token])
    if assessment.campaign_id:
        url = reverse("assessments:portal-campaign", args=[assessment.campaign.slug])
        return url + (f"?group={assessment.group}" if assessment.group else "")
    return reverse("assessments:portal-index")


def _parse_time(value):
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _scale_or_404(code: str):
    compiled = registry.get(code)
    if compiled is None:
        raise Http404
    return compiled


def _organisation():
    organisation = selectors.portal_organisation()
    if organisation is None:
        raise Http404
    return organisation


def _origin(request, participant=None) -> Origin:
    """Where a self-test comes from, for the portal's limits: a random id of this browser's
    portal session and the network of its address (REMOTE_ADDR; an IPv6 address by its /64),
    each only as a keyed hash. A participant of an identified campaign is not counted by
    network: a class or a department often takes the test behind one address."""
    device = request.session.get(DEVICE)
    if not device:
        device = request.session[DEVICE] = new_key()
    network = "" if participant is not None else network_of(request.META.get("REMOTE_ADDR", ""))
    return Origin(
        device_hash=crypto.keyed_hash("selftest-device", device),
        network_hash=crypto.keyed_hash("selftest-network", network) if network else "",
    )


def _draft(request, code: str) -> dict | None:
    return request.session.get(DRAFTS, {}).get(code)


def _save_draft(request, code: str, draft: dict | None) -> None:
    drafts = dict(request.session.get(DRAFTS, {}))
    if draft is None:
        drafts.pop(code, None)
    else:
        drafts[code] = draft
    request.session[DRAFTS] = drafts


def unverified_wording(scale) -> str:
    """ "en" or "zh" when the wording shown in this language is not (yet) the validated one
    (the page says so, in words fitting that language); "" otherwise."""
    english = (get_language() or "").startswith("en")
    status = scale.wording_status.en if english else scale.wording_status.zh_hans
    return ("en" if english else "zh") if status == "unverified" else ""


def portal_index(request):
    scales = [
        c.scale
        for _code, c in sorted(registry.scales().items(), key=lambda kv: _portal_order(kv[0]))
    ]
    return render(
        request,
        "assessments/portal_index.html",
        {
            "scales": scales,
            "organisation": _organisation(),
            "drafts": request.session.get(DRAFTS, {}),
        },
    )


def _campaign_context(params) -> dict:
    """The campaign or personal link the visitor came from (``participant``, ``campaign`` and
    ``group`` parameters), checked again on every use: only while the campaign runs."""
    context: dict[str, Any] = {"campaign": None, "participant": None, "group": ""}
    token = params.get("participant") or ""
    slug = params.get("campaign") or ""
    today = timezone.localdate()
    if token:
        participant = (
            Participant.objects.select_related("campaign")
            .filter(token=token, campaign__starts_on__lte=today, campaign__ends_on__gte=today)
            .first()
        )
        if participant is not None:
            context.update(
                campaign=participant.campaign, participant=participant, group=participant.group
            )
    elif slug:
        campaign = Campaign.objects.filter(
            slug=slug, identified=False, starts_on__lte=today, ends_on__gte=today
        ).first()
        if campaign is not None:
            group = params.get("group") or ""
            context.update(campaign=campaign, group=group if group in campaign.groups else "")
    return context


@require_http_methods(["GET", "POST"])
def portal_start(request, code: str):
    """Consent and privacy notice first; then the first question (or where the visitor was)."""
    compiled = _scale_or_404(code)
    draft = _draft(request, code)
    contact = _staff_contact(request, request.POST if request.method == "POST" else request.GET)
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            messages.error(request, _("Please read the notice and agree before you start."))
            return redirect(request.get_full_path())
        if contact is not None:
            try:
                do_record_consent(
                    actor=request.user, contact=contact, purpose="assessment", agreed=True
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(reverse("hotline:contact-detail", args=[contact.public_id]))
        ctx = _campaign_context(request.POST)
        if ctx["campaign"] is not None and code not in ctx["campaign"].scales:
            ctx = {"campaign": None, "participant": None, "group": ""}
        draft = {
            "key": new_key(),
            "answers": [None] * compiled.n,
            "campaign": ctx["campaign"].slug if ctx["campaign"] else "",
            "participant": ctx["participant"].token if ctx["participant"] else "",
            "group": ctx["group"],
            "organisation": (
                contact.organisation_id
                if contact is not None
                else ctx["campaign"].organisation_id
                if ctx["campaign"]
                else _organisation().pk
            ),
            "contact": str(contact.public_id) if contact is not None else "",
            "consented_at": timezone.now().isoformat(),
        }
        _save_draft(request, code, draft)
        return redirect(reverse("assessments:portal-question", args=[code, 1]))
    answered = sum(a is not None for a in draft["answers"]) if draft else 0
    return render(
        request,
        "assessments/portal_start.html",
        {
            "scale": compiled.scale,
            "draft": draft,
            "answered": answered,
            "resume_at": min(answered + 1, compiled.n),
            "organisation": _organisation(),
            "ctx": _campaign_context(request.GET),
            "unverified_wording": unverified_wording(compiled.scale),
            "contact": contact,
        },
    )


def _staff_contact(request, params):
    """A counsellor giving the scale to a caller (``contact`` parameter): the result goes to
    the caller's archive. Only a contact the user may work on, of a known caller."""
    public_id = params.get("contact") or ""
    if not public_id or not request.user.is_authenticated:
        return None
    try:
        access = access_contact(request.user, public_id)
    except (Http404, PermissionDenied):
        return None
    return access.contact if access.can_give_scale else None


@require_http_methods(["GET", "POST"])
def portal_question(request, code: str, number: int):
    compiled = _scale_or_404(code)
    draft = _draft(request, code)
    if draft is None:
        last = request.session.get(LAST, {}).get(code)
        if request.method == "POST" and last:
            # The last answer sent twice (a double tap): the test is already saved.
            return redirect(reverse("assessments:portal-result", args=[last]))
        return redirect(reverse("assessments:portal-start", args=[code]))
    if not 1 <= number <= compiled.n:
        raise Http404
    item = compiled.scale.items[number - 1]
    options = compiled.scale.options_for(item)
    error = ""
    if request.method == "POST":
        try:
            value = int(request.POST.get("answer", ""))
        except ValueError:
            value = None
        if value is None or value not in compiled.allowed[number - 1]:
            error = _("Choose one of the answers.")
        else:
            draft["answers"][number - 1] = value
            _save_draft(request, code, draft)
            missing = [i for i, a in enumerate(draft["answers"]) if a is None]
            if not missing:
                return _finish(request, code, draft)
            following = [i for i in missing if i >= number] or missing
            return redirect(reverse("assessments:portal-question", args=[code, following[0] + 1]))
    return render(
        request,
        "assessments/portal_question.html",
        {
            "scale": compiled.scale,
            "item": item,
            "options": options,
            "number": number,
            "count": compiled.n,
            "percent": round(100 * (number - 1) / compiled.n),
            "current": draft["answers"][number - 1],
            "error": error,
            "organisation": _draft_organisation(draft),
        },
        status=422 if error else 200,
    )


def _draft_organisation(draft: dict):
    from xinyuan.accounts.models import Organisation

    pk = draft.get("organisation")
    found = Organisation.objects.filter(pk=pk).first() if pk else None
    return found or _organisation()


def _finish(request, code: str, draft: dict):
    ctx = _campaign_context(draft)
    staff_contact = _staff_contact(request, draft) if draft.get("contact") else None
    if staff_contact is not None:
        ctx = {"campaign": None, "participant": None, "group": ""}
    try:
        assessment, _created = do_submit(
            scale_code=code,
            answers=draft["answers"],
            organisation=_draft_organisation(draft),
            submission_key=draft["key"],
            language=get_language(),
            source=(
                Source.STAFF
                if staff_contact is not None
                else Source.CAMPAIGN
                if ctx["campaign"]
                else Source.PORTAL
            ),
            person=staff_contact.person if staff_contact is not None else None,
            actor=request.user if staff_contact is not None else None,
            consented_at=_parse_time(draft.get("consented_at")),
            campaign=ctx["campaign"],
            participant=ctx["participant"],
            group=ctx["group"],
            # A counsellor giving the scale during a contact is not throttled.
            origin=None if staff_contact is not None else _origin(request, ctx["participant"]),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("assessments:portal-start", args=[code]))
    mine = list(request.session.get(MINE, []))[-19:]
    mine.append(str(assessment.public_id))
    request.session[MINE] = mine
    request.session[LAST] = {**request.session.get(LAST, {}), code: str(assessment.public_id)}
    if staff_contact is not None:
        request.session[STAFF_CONTACTS] = {
            **request.session.get(STAFF_CONTACTS, {}),
            str(assessment.public_id): str(staff_contact.public_id),
        }
    _save_draft(request, code, None)
    return redirect(reverse("assessments:portal-result", args=[assessment.public_id]))


def _my_result(request, public_id) -> SelfAssessment:
    if str(public_id) not in request.session.get(MINE, []):
        raise Http404  # only on the device that took the test
    return get_object_or_404(SelfAssessment, public_id=public_id)


def portal_result(request, public_id, callback_error: str = ""):
    assessment = _my_result(request, public_id)
    compiled = registry.get(assessment.scale)
    if compiled is None:
        raise Http404
    scale = compiled.scale
    band = next(b for b in scale.bands if b.code == assessment.band)
    critical = [c for c in scale.critical_items if c.flag in assessment.flags]
    callback = assessment.tasks.exclude(phone_encrypted="").first()
    staff_view = assessment.source == Source.STAFF and request.user.is_authenticated
    return render(
        request,
        "assessments/portal_result.html",
        {
            "assessment": assessment,
            "scale": scale,
            "band": band,
            "critical": critical,
            "urgent": assessment.needs_urgent_attention,
            "organisation": assessment.organisation,
            "callback": callback,
            "form_phone": request.POST.get("phone", ""),
            "form_time": request.POST.get("preferred_time", ""),
            "unverified_wording": unverified_wording(scale),
            "staff_view": staff_view,
            "callback_error": callback_error,
            "staff_contact": request.session.get(STAFF_CONTACTS, {}).get(str(public_id)),
            "can_see_archive": assessment.person_id is not None
            and decide_archive(request.user, assessment.person).can_view,
            "more_link": _more_link(assessment),
        },
    )


@require_POST
def portal_callback(request, public_id):
    assessment = _my_result(request, public_id)
    try:
        do_request_callback(
            assessment=assessment,
            phone=request.POST.get("phone", ""),
            preferred_time=request.POST.get("preferred_time", ""),
            origin=_origin(request, assessment.participant),
        )
    except ValidationError as exc:
        response = portal_result(request, public_id, callback_error=" ".join(exc.messages))
        response.status_code = 422
        return response
    messages.success(request, _("Thank you. A counsellor of the centre will call you."))
    return redirect(reverse("assessments:portal-result", args=[public_id]) + "#help")


def campaign_landing(request, slug: str | None = None, token: str | None = None):
    """A campaign's link (anonymous: choose your group) or a personal link (identified)."""
    today = timezone.localdate()
    participant = None
    if token:
        participant = get_object_or_404(Participant.objects.select_related("campaign"), token=token)
        campaign = participant.campaign
    else:
        campaign = get_object_or_404(Campaign, slug=slug)
        if campaign.identified:
            raise Http404  # an identified campaign is taken only through personal links
    active = campaign.starts_on <= today <= campaign.ends_on
    offered = [registry.get(code) for code in campaign.scales]
    scales = [compiled.scale for compiled in offered if compiled is not None]
    return render(
        request,
        "assessments/portal_campaign.html",
        {
            "campaign": campaign,
            "participant": participant,
            "active": active,
            "scales": scales,
            "organisation": campaign.organisation,
        },
    )
