"""Pages of audit cases: the list and its export, the case page with its steps, decisions, conclusion, handling and
timeline, and the step buttons."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from stq.workflow.actions import workflow_action

from .. import export, forms, selectors, services, workflow
from ..filters import AuditCaseFilter
from ..workflow import DEADLINE_KINDS, DECISION_ONLY
from .common import CWF, get_case, list_query, timeline


def _filtered_cases(request):
    """The list's one FilterSet over the user's one scope (the page and its export)."""
    filterset = AuditCaseFilter(request.GET or None, request=request,
                                queryset=selectors.cases_visible_to(request.user).order_by("-created_at", "-pk"))
    return filterset.form, filterset.qs


@login_required
def case_list(request):
    form, qs = _filtered_cases(request)
    page = Paginator(qs.prefetch_related("risk_areas"), 25).get_page(request.GET.get("page"))
    return render(request, "audits/case_list.html", {"form": form, "page": page, "query": list_query(request)})


@login_required
def case_export(request, fmt: str):
    form, qs = _filtered_cases(request)
    return export.cases_export(qs, fmt=fmt, user=request.user, form=form)


def _case_context(request, case, *, action_error=None, action_note=""):
    steps = []
    for t in CWF.available(request.user, case):
        if t.action in DECISION_ONLY:
            continue
        steps.append({"t": t, "needs_note": t.needs_note(case), "fields": forms.STEP_FIELDS.get(t.action, []),
                      "delivery": t.action == "deliver"})
    conclusions = list(case.conclusions.prefetch_related("findings__risk_area").select_related("approved_by"))
    return {
        "case": case, "state_label": CWF.state_label(case.state), "steps": steps,
        "action_error": action_error or {}, "action_note": action_note,
        "may_record": workflow.may_record(request.user, case),
        "may_decide": workflow.may_decide(request.user, case),
        "may_conclude": workflow.may_conclude(request.user, case),
        "may_handle": workflow.may_handle(request.user, case),
        "may_approve_supplementary": workflow.may_approve_supplementary(request.user, case),
        "decisions": case.decisions.select_related("created_by"),
        "conclusions": conclusions, "figures": selectors.case_figures(case),
        "tax_assessments": case.tax_assessments.all(), "penalties": case.penalties.all(),
        "payments": case.payments.select_related("recorded_by"), "referrals": case.referrals.all(),
        "complaints": case.complaints.all(), "documents": case.documents.select_related("uploaded_by"),
        "document_form": forms.DocumentForm(), "events": timeline(case, CWF),
        "delivery_methods": forms.DELIVERY_METHODS, "fieldwork_end_due": workflow.fieldwork_end_due(case),
        "due_label": DEADLINE_KINDS.get(case.due_kind, case.due_kind),
    }


@login_required
def case_detail(request, pk: int):
    case = get_case(request.user, pk)
    return render(request, "audits/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_action(request, pk: int):
    case = get_case(request.user, pk)
    name = request.POST.get("action")
    data = {f: request.POST.get(f) for f, _label, _req in forms.STEP_FIELDS.get(name, []) if request.POST.get(f)}
    for field in ("delivery_method", "body"):
        if request.POST.get(field):
            data[field] = request.POST[field]
    return workflow_action(request, case, workflow=CWF, template="audits/case_detail.html", context=_case_context,
                           act=lambda **kw: services.case_act(actor=request.user, case=case, **kw), data=data)

