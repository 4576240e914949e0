"""Pages of information collection: list (filters, overdue), proposal form, case page with actions and timeline,
results form, and the overdue list per unit. Thin: every write goes through `services`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stq.core.errors import NotFound
from stq.core.forms import call_service, posted_version
from stq.org import policy
from stq.workflow.actions import workflow_action

from . import selectors, services, workflow
from .export import info_collections_export
from .filters import InfoCollectionFilter
from .forms import ProposalForm, ResultsForm
from .models import InfoCollection

WF = InfoCollection.workflow


def _case(user, pk: int) -> InfoCollection:
    try:
        return policy.access(selectors.info_collections_visible_to(user), user, pk=pk)
    except NotFound:
        raise Http404 from None


def _filtered(request) -> InfoCollectionFilter:
    """The list's one FilterSet over the user's one scope (the page and its export)."""
    return InfoCollectionFilter(request.GET or None, request=request,
                                queryset=selectors.info_collections_visible_to(request.user).order_by("-created_at",
                                                                                                      "-pk"))


@login_required
def collection_list(request):
    filterset = _filtered(request)
    qs = filterset.qs.prefetch_related("risk_areas")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "collection/list.html", {
        "form": filterset.form, "page": page, "query": query.urlencode(), "today": timezone.localdate(),
        "may_create": policy.can_anywhere(request.user, "info_collection.create"),
    })


@login_required
def export(request, fmt: str):
    """Exactly the filtered list, as an Excel sheet or a PDF."""
    filterset = _filtered(request)
    return info_collections_export(filterset.qs, fmt=fmt, user=request.user, form=filterset.form)


@login_required
def overdue(request):
    """Overdue information collections, per unit (the units the user may see)."""
    qs = selectors.overdue_visible_to(request.user)
    unit_code = request.GET.get("unit")
    if unit_code:
        qs = qs.filter(unit__code=unit_code)
    groups: dict = {}
    for case in qs[:500]:
        groups.setdefault(case.unit, []).append(case)
    return render(request, "collection/overdue.html", {"groups": groups, "unit_code": unit_code})


@login_required
def create(request):
    form = ProposalForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        case = call_service(form, lambda: services.info_collection_create(actor=request.user, **form.cleaned_data))
        if case is not None:
            messages.success(request, _("Proposal %(number)s recorded as a draft.") % {"number": case.number})
            return redirect(case)
    return render(request, "collection/form.html", {"form": form})


@login_required
def edit(request, pk: int):
    case = _case(request.user, pk)
    form = ProposalForm(request.POST or None, user=request.user, instance=case)
    if request.method == "POST" and form.is_valid() and call_service(form, lambda: services.info_collection_update(
            actor=request.user, info_collection=case, expected_version=posted_version(request, case.version),
            **form.cleaned_data)):
        messages.success(request, _("Proposal saved."))
        return redirect(case)
    return render(request, "collection/form.html", {"form": form, "case": case})


TIMELINE_LABELS = {f.name: f.verbose_name for f in InfoCollection._meta.get_fields() if hasattr(f, "verbose_name")}
DATE_LABELS = {"submitted_on": gettext_lazy("submitted"), "planned_start": gettext_lazy("planned start"),
               "planned_end": gettext_lazy("planned end")}


def _duplicate_rows(rows) -> list[dict]:
    """The stored snapshot, with its ISO dates shown as dd/mm/yyyy."""
    out = []
    for row in rows or []:
        dates = []
        for key, value in (row.get("dates") or {}).items():
            if value:
                day = date.fromisoformat(value[:10])
                dates.append(f"{DATE_LABELS.get(key, key)} {day:%d/%m/%Y}")
        out.append({**selectors.duplicate_in_language(row), "dates_text": " · ".join(dates)})
    return out


def _detail_context(request, case, *, action_error=None, action_note=""):
    actions = WF.available(request.user, case)
    return {
        "case": case,
        "state_label": WF.state_label(case.state),
        "actions": [{"t": t, "needs_note": t.needs_note(case)} for t in actions],
        "action_error": action_error or {},
        "action_note": action_note,
        "may_edit": workflow.may_edit(request.user, case),
        "may_results": workflow.may_record_results(request.user, case),
        "results": case.results.select_related("risk_area", "recorded_by"),
        "events": WF.timeline(case, labels=TIMELINE_LABELS),
        "show_duplicates": case.duplicate_warning and case.duplicates,
        "duplicates": _duplicate_rows(case.duplicates),
    }


@login_required
def detail(request, pk: int):
    case = _case(request.user, pk)
    return render(request, "collection/detail.html", _detail_context(request, case))


@login_required
@require_POST
def action(request, pk: int):
    case = _case(request.user, pk)
    return workflow_action(request, case, workflow=WF, template="collection/detail.html", context=_detail_context,
                           act=lambda **kw: services.info_collection_act(actor=request.user, info_collection=case,
                                                                         **kw))


@login_required
def results(request, pk: int):
    case = _case(request.user, pk)
    form = ResultsForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid() and call_service(
            form, lambda: services.info_collection_results_save(actor=request.user, info_collection=case,
                                                                results=form.results()), place=ResultsForm.place_error):
        messages.success(request, _("Results saved."))
        return redirect(case)
    return render(request, "collection/results.html", {"form": form, "case": case})
