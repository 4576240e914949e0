"""Pages of the enterprise directory (thin: they call selectors and services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core.errors import AppError
from stq.core.forms import call_service
from stq.core.history import field_changes
from stq.core.texts import shown
from stq.org import policy as org_policy

from . import importer, selectors, services
from .filters import EnterpriseSearchFilter, FocusListFilter
from .forms import EnterpriseCreateForm, FocusEntryForm, ImportForm, ProfileSubmissionForm
from .models import Enterprise, RiskArea
from .policy import can_anywhere
from .sections import render_sections

PAGE_SIZE = 25


def _enterprise_or_404(user, tax_code: str) -> Enterprise:
    ent = selectors.enterprises_visible_to(user).filter(tax_code=tax_code.replace("-", "")).first()
    if ent is None:
        raise Http404
    return ent


@login_required
def enterprise_list(request):
    filterset = EnterpriseSearchFilter(request.GET, request=request,
                                       queryset=selectors.enterprises_visible_to(request.user))
    valid = filterset.is_valid()  # a bad query: its error above an empty list
    query = filterset.form.cleaned_data.get("q") or "" if valid else ""
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), PAGE_SIZE).get_page(
        request.GET.get("page"))
    if query and str(page.number) == "1":
        services.search_record(actor=request.user, query=query, matched_count=page.paginator.count,
                               matched_tax_codes=[e.tax_code for e in page.object_list])
    form = EnterpriseCreateForm(request.POST or None)
    may_edit = can_anywhere(request.user, "enterprise.edit")
    if request.method == "POST" and may_edit and form.is_valid():
        ent = call_service(form, lambda: services.enterprise_create(actor=request.user, **form.cleaned_data))
        if ent is not None:
            messages.success(request, _("Enterprise added."))
            return redirect("enterprises:detail", tax_code=ent.tax_code)
    return render(request, "enterprises/list.html", {
        "query": query, "page": page, "form": form, "may_edit": may_edit, "filterset": filterset,
        "focus_marks": selectors.focus_marks(page.object_list, timezone.localdate()),
        "may_import": can_anywhere(request.user, "enterprise.import"),
    })


def _shown_reason(change: dict) -> dict:
    """A change of a risk reason, in the reader's language (the engine stores codes with parameters)."""
    if change["field"] not in Enterprise.REASON_FIELDS:
        return {}
    return {"old": shown(change["old"] or ""), "new": shown(change["new"] or "")}


def _history(ent: Enterprise) -> list[dict]:
    rows = []
    labels = {f.name: f.verbose_name for f in Enterprise._meta.fields}
    for record in ent.history.select_related("history_user").order_by("-history_date")[:100]:
        changes = [] if record.history_type == "+" else field_changes(record)
        changes = [c for c in changes if c["field"] not in ("name_search", "updated_at", "province_code")]
        if record.history_type == "~" and not changes:
            continue
        rows.append({"record": record, "changes": [
            {**c, **_shown_reason(c), "label": labels.get(c["field"], c["field"])} for c in changes]})
    return rows


def _submissions(ent: Enterprise) -> list:
    labels = {f.name: f.verbose_name for f in Enterprise._meta.fields}
    subs = list(ent.submissions.select_related("officer", "unit"))
    for sub in subs:
        sub.labelled_changes = [{**c, **_shown_reason(c), "label": labels.get(c["field"], c["field"])}
                                for c in sub.changes]
    return subs


@login_required
def enterprise_detail(request, tax_code: str):
    ent = _enterprise_or_404(request.user, tax_code)
    form = ProfileSubmissionForm(request.POST or None, enterprise=ent)
    may_edit = can_anywhere(request.user, "enterprise.edit")
    if request.method == "POST" and may_edit and form.is_valid() and call_service(
            form, lambda: services.profile_submission_record(
                actor=request.user, enterprise=ent, submitted_on=form.cleaned_data["submitted_on"],
                source=form.cleaned_data["source"], data=form.submitted_data(), note=form.cleaned_data["note"])):
        messages.success(request, _("Profile submission recorded; the enterprise has been updated."))
        return redirect("enterprises:detail", tax_code=ent.tax_code)
    today = timezone.localdate()
    return render(request, "enterprises/detail.html", {
        "ent": ent,
        "form": form,
        "may_edit": may_edit,
        "may_edit_risk": org_policy.can(request.user, "enterprise.edit_risk", ent),
        "branches": ent.branches.order_by("tax_code")[:50],
        "focus_entries": ent.focus_entries.select_related("designating_unit").order_by("-valid_from"),
        "on_focus_today": selectors.family_focus_entries(ent, today),
        "submissions": _submissions(ent),
        "history": _history(ent),
        "sections": render_sections(request, ent),
        "today": today,
    })


@login_required
def focus_list(request):
    data = request.GET.copy()
    data.setdefault("current", "1")  # the page opens on the entries in force today
    filterset = FocusListFilter(data, queryset=selectors.focus_list(), request=request)
    valid = filterset.is_valid()  # a bad value: its error above an empty list
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), PAGE_SIZE).get_page(
        request.GET.get("page"))
    may_manage = can_anywhere(request.user, "focus_list.manage")
    form = FocusEntryForm(request.POST or None)
    if request.method == "POST" and may_manage and form.is_valid():
        data = form.cleaned_data
        ent = selectors.get_enterprise(data["tax_code"])

        def add():
            if ent is None:
                raise AppError("not_found", _("No enterprise has this tax code."), field="tax_code")
            return services.focus_entry_add(actor=request.user, enterprise=ent, risk_area=data["risk_area"],
                                            valid_from=data["valid_from"], valid_to=data["valid_to"],
                                            reason=data["reason"])

        if call_service(form, add):
            messages.success(request, _("Enterprise added to the focus list."))
            return redirect("enterprises:focus_list")
    return render(request, "enterprises/focus_list.html", {
        "page": page, "form": form, "may_manage": may_manage, "filterset": filterset, "areas": RiskArea.choices,
        "current": valid and filterset.form.cleaned_data["current"],
    })


@login_required
def enterprise_import(request):
    if not can_anywhere(request.user, "enterprise.import"):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = call_service(form, lambda: importer.enterprise_import(
            actor=request.user, content=upload.read(), filename=upload.name, dry_run=form.cleaned_data["dry_run"]))
    return render(request, "enterprises/import.html", {
        "form": form, "report": report, "columns": importer.COLUMNS,
    })
