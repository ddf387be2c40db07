"""The directory pages: the list with search and filters (everyone of the centre who may see
it), adding and editing an entry, deactivating and reactivating it, the Excel export and
import (those who keep the directory)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinyuan.core import permissions
from xinyuan.core.errors import ConflictError
from xinyuan.core.views_helpers import add_form_errors, require_perm
from xinyuan.directory import actions, selectors, spreadsheet
from xinyuan.directory.access import access_institution, decide_directory
from xinyuan.directory.forms import FilterForm, ImportForm, InstitutionForm

PAGE_SIZE = 50
SAME_TIME = gettext_lazy(
    "Someone else changed the directory at the same moment. Nothing was saved: try again."
)
FLAG = {"yes": True, "no": False}


def _filters(request) -> tuple[FilterForm, dict]:
    form = FilterForm(request.GET or {"active": "yes"})
    if not form.is_valid():
        return form, {"active": True}
    data = form.cleaned_data
    return form, {
        "q": data["q"],
        "kind": data["kind"],
        "green_channel": FLAG.get(data["green_channel"]),
        "active": FLAG.get(data["active"] or "yes"),
    }


@require_GET
@require_perm(permissions.VIEW_DIRECTORY)
def institution_list(request):
    access = decide_directory(request.user)
    form, filters = _filters(request)
    qs = selectors.filter_institutions(selectors.institutions_visible_to(request.user), **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "directory/institution_list.html",
        {
            "page": page,
            "filter_form": form,
            "query": urlencode(query),
            "can_manage": access.can_manage,
        },
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_DIRECTORY)
def institution_add(request):
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = actions.do_create_institution(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_form_errors(form, exc)
        except IntegrityError:
            form.add_error(None, SAME_TIME)
        else:
            messages.success(request, _("“%(name)s” added.") % {"name": institution.name})
            return redirect("directory:institution-list")
    return render(
        request,
        "directory/institution_form.html",
        {"form": form, "institution": None},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_DIRECTORY)
def institution_edit(request, public_id):
    institution = access_institution(request.user, public_id)
    initial = {
        **model_to_dict(institution, fields=actions.EDITABLE),
        "version": institution.version,
    }
    form = InstitutionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                actions.do_update_institution(
                    actor=request.user,
                    institution=institution,
                    data=data,
                    expected_version=form.cleaned_data.get("version"),
                )
            except ConflictError as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_form_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” saved.") % {"name": data["name"]})
                return redirect("directory:institution-list")
    return render(
        request,
        "directory/institution_form.html",
        {"form": form, "institution": institution},
        status=status,
    )


def _set_active(request, public_id, active: bool):
    institution = access_institution(request.user, public_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        actions.do_set_institution_active(
            actor=request.user, institution=institution, active=active, expected_version=version
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            (_("“%(name)s” reactivated.") if active else _("“%(name)s” deactivated."))
            % {"name": institution.name},
        )
    target = reverse("directory:institution-list")
    query = request.POST.get("query", "")
    # Back to the list as it was filtered: only a query string, never another address.
    return redirect(f"{target}?{urlencode(parse_qsl(query))}" if query else target)


@require_POST
@require_perm(permissions.MANAGE_DIRECTORY)
def institution_deactivate(request, public_id):
    return _set_active(request, public_id, False)


@require_POST
@require_perm(permissions.MANAGE_DIRECTORY)
def institution_reactivate(request, public_id):
    return _set_active(request, public_id, True)


@require_GET
@require_perm(permissions.VIEW_DIRECTORY)
def institution_export(request):
    """The whole directory of the centre (active and deactivated), as the import reads it."""
    qs = selectors.institutions_visible_to(request.user).order_by("-active", "name", "pk")
    response = HttpResponse(spreadsheet.xlsx_bytes(qs), content_type=spreadsheet.CONTENT_TYPE)
    name = f"directory-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@require_perm(permissions.MANAGE_DIRECTORY)
def institution_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = spreadsheet.read_rows(form.cleaned_data["file"])
            result = actions.do_import_institutions(actor=request.user, rows=rows)
        except actions.ImportRefused as exc:
            problems = list(exc.messages)
        except IntegrityError:
            # Someone added an entry of the same name meanwhile: the whole import rolled back.
            problems = [SAME_TIME]
        else:
            messages.success(
                request,
                _(
                    "Imported %(rows)s rows: %(created)s added, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                )
                % {
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("directory:institution-list")
    return render(
        request,
        "directory/institution_import.html",
        {
            "form": form,
            "problems": problems,
            "max_rows": spreadsheet.rules.MAX_IMPORT_ROWS,
        },
        status=422 if request.method == "POST" else 200,
    )
