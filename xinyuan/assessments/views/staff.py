"""Staff pages of the self-assessment feature: tasks from self-tests, screening campaigns and
a person's mental-health archive (AS-02 … AS-04)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.assessments import actions, registry, selectors
from xinyuan.assessments.access import (
    access_archive,
    access_campaign,
    access_task,
    decide_campaign,
)
from xinyuan.assessments.charts import trend_chart
from xinyuan.assessments.forms import CampaignForm
from xinyuan.assessments.rules import Result
from xinyuan.audit.actions import do_record_export, do_record_view
from xinyuan.core import permissions
from xinyuan.core.downloads import attachment
from xinyuan.core.locale import join_clauses
from xinyuan.core.views_helpers import error_messages, require_perm


@require_GET
@require_perm(permissions.HANDLE_SELF_TEST_TASKS)
def task_list(request):
    return render(
        request,
        "assessments/task_list.html",
        {
            "open_tasks": list(selectors.open_tasks_for(request.user)),
            "done_tasks": list(selectors.done_tasks_for(request.user)[:20]),
        },
    )


def _task(request, public_id):
    return access_task(request.user, public_id).task


def answer_rows(assessment) -> list[dict]:
    """Each question with the answer given, for staff reading a result."""
    compiled = registry.get(assessment.scale)
    if compiled is None:
        return []
    rows = []
    critical = {c.item: c for c in compiled.scale.critical_items}
    for item, value in zip(compiled.scale.items, assessment.answers, strict=False):
        label = next((o.label for o in compiled.scale.options_for(item) if o.value == value), None)
        crossed = item.id in critical and value > critical[item.id].above
        rows.append({"item": item, "value": value, "label": label, "critical": crossed})
    return rows


@require_GET
@require_perm(permissions.HANDLE_SELF_TEST_TASKS)
def task_detail(request, public_id):
    task = _task(request, public_id)
    assessment = task.assessment
    do_record_view(actor=request.user, target=assessment)
    compiled = registry.get(assessment.scale)
    return render(
        request,
        "assessments/task_detail.html",
        {
            "task": task,
            "assessment": assessment,
            "scale": compiled.scale if compiled else None,
            "band": next((b for b in compiled.scale.bands if b.code == assessment.band), None)
            if compiled
            else None,
            "rows": answer_rows(assessment),
            "folded": list(selectors.folded_tasks_of(task)[:200]),
        },
    )


@require_POST
@require_perm(permissions.HANDLE_SELF_TEST_TASKS)
def task_take(request, public_id):
    actions.do_take_task(actor=request.user, task=_task(request, public_id))
    if request.htmx:  # from the alerts bar: show the remaining alerts
        from xinyuan.hotline.views.alerts import render_alerts

        return render_alerts(request)
    return redirect(reverse("assessments:task-detail", args=[public_id]))


@require_POST
@require_perm(permissions.HANDLE_SELF_TEST_TASKS)
def task_done(request, public_id):
    try:
        actions.do_complete_task(
            actor=request.user, task=_task(request, public_id), outcome=request.POST.get("outcome")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect(reverse("assessments:task-detail", args=[public_id]))
    return redirect(reverse("assessments:task-list"))


@require_POST
@require_perm(permissions.HANDLE_SELF_TEST_TASKS)
def task_phone(request, public_id):
    number = actions.do_reveal_task_phone(actor=request.user, task=_task(request, public_id))
    return render(request, "assessments/partials/_phone.html", {"number": number})


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_CAMPAIGNS)
def campaign_list(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.do_create_campaign(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            return redirect(reverse("assessments:campaign-detail", args=[campaign.public_id]))
    return render(
        request,
        "assessments/campaign_list.html",
        {"campaigns": selectors.campaigns_visible_to(request.user), "form": form},
        status=422 if form.errors else 200,
    )


def _campaign(request, public_id):
    return access_campaign(request.user, public_id).campaign


def campaign_link(request, campaign) -> str:
    return request.build_absolute_uri(reverse("assessments:portal-campaign", args=[campaign.slug]))


@require_GET
@require_perm(permissions.MANAGE_CAMPAIGNS)
def campaign_detail(request, public_id):
    campaign = _campaign(request, public_id)
    stats = selectors.campaign_statistics(campaign)
    tables = []
    for code in campaign.scales:
        compiled = registry.get(code)
        if compiled is None:
            continue
        bands = compiled.scale.bands
        per_group = stats["by_scale"].get(code, {})
        rows = []
        for group in [*campaign.groups, ""]:
            counts = per_group.get(group, {})
            if group == "" and not counts:
                continue
            rows.append(
                {
                    "group": group,
                    "counts": [counts.get(b.code, 0) for b in bands],
                    "total": sum(counts.values()),
                }
            )
        tables.append({"scale": compiled.scale, "bands": bands, "rows": rows})
    participants = (
        list(campaign.participants.select_related("person").order_by("group", "id"))
        if campaign.identified
        else []
    )
    return render(
        request,
        "assessments/campaign_detail.html",
        {
            "campaign": campaign,
            "link": campaign_link(request, campaign),
            "stats": stats,
            "tables": tables,
            "participants": participants,
            "can_see_results": decide_campaign(request.user, campaign).can_see_results,
        },
    )


@require_GET
@require_perm(permissions.MANAGE_CAMPAIGNS)
def campaign_qr(request, public_id):
    """The campaign link as a QR code, made here (no outside service)."""
    import io

    import segno

    campaign = _campaign(request, public_id)
    buffer = io.BytesIO()
    segno.make(campaign_link(request, campaign), error="m").save(
        buffer, kind="svg", scale=6, border=2
    )
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@require_POST
@require_perm(permissions.MANAGE_CAMPAIGNS)
def campaign_participants(request, public_id):
    campaign = _campaign(request, public_id)
    try:
        added = actions.do_add_participants(
            actor=request.user, campaign=campaign, lines=request.POST.get("lines", "")
        )
    except ValidationError as exc:
        messages.error(request, join_clauses(error_messages(exc)))
        # What was typed is kept: shown again in the box.
        request.session["participant_lines"] = request.POST.get("lines", "")[:20000]
    else:
        from django.utils.translation import ngettext

        request.session.pop("participant_lines", None)
        messages.success(
            request,
            ngettext("%(n)s person invited.", "%(n)s people invited.", len(added))
            % {"n": len(added)},
        )
    return redirect(reverse("assessments:campaign-detail", args=[public_id]) + "#participants")


def _person(request, public_id):
    return access_archive(request.user, public_id).person


@require_GET
@require_perm(permissions.VIEW_SELF_TEST_RESULTS)
def person_archive(request, public_id):
    """心理健康档案: a person's results over time, with a trend per scale."""
    person = _person(request, public_id)
    results = list(selectors.archive_for(person))
    do_record_view(actor=request.user, target=person, fields=("self_assessments",))
    by_scale: dict[str, list] = {}
    for result in results:
        by_scale.setdefault(result.scale, []).append(result)
    sections = []
    for code, rows in by_scale.items():
        compiled = registry.get(code)
        if compiled is None:
            continue
        sections.append(
            {"scale": compiled.scale, "results": rows, "chart": trend_chart(compiled.scale, rows)}
        )
    return render(
        request, "assessments/person_archive.html", {"person": person, "sections": sections}
    )


@require_GET
@require_perm(permissions.VIEW_SELF_TEST_RESULTS)
def person_fhir(request, public_id):
    """The person's results as a FHIR R4 Bundle of QuestionnaireResponses (audited export)."""
    from xinyuan.assessments import fhir

    person = _person(request, public_id)
    results = list(selectors.archive_for(person))
    resources = []
    for result in results:
        compiled = registry.get(result.scale)
        if compiled is None:
            continue
        resources.append(
            fhir.questionnaire_response(
                compiled.scale,
                result.answers,
                Result(
                    scale=result.scale,
                    version=result.scale_version,
                    total=result.total,
                    band=result.band,
                    flags=tuple(result.flags),
                    subscales=result.subscales,
                ),
                subject_reference=f"Patient/{person.public_id}",
                authored=result.created_at,
                response_id=str(result.public_id),
            )
        )
    do_record_export(
        actor=request.user,
        what="fhir_questionnaire_responses",
        count=len(resources),
        filters={},
        subject=person,
    )
    response = JsonResponse(fhir.bundle(resources), json_dumps_params={"ensure_ascii": False})
    stamp = datetime.date.today().isoformat()
    response["Content-Disposition"] = attachment(f"archive-{person.public_id}-{stamp}.json")
    return response
