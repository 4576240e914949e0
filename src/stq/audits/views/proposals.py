"""Pages of audit proposals: the list and its export, the wizard (search → duplicates → form), editing, the proposal
page and its workflow buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stq.collection.selectors import open_cases_for_enterprise
from stq.core.forms import call_service, posted_version
from stq.enterprises.models import Enterprise
from stq.enterprises.services import search_and_record
from stq.enterprises.taxcode import clean_digits
from stq.org import policy
from stq.workflow.actions import workflow_action

from .. import export, forms, rules, selectors, services
from ..filters import AuditProposalFilter
from ..models import AuditCase
from ..workflow import DEADLINE_KINDS, live_duplicates, may_edit_proposal, may_open_case
from .common import PWF, duplicate_rows, get_proposal, list_query, timeline


def _filtered_proposals(request):
    """The list's one FilterSet over the user's one scope (the page and its export)."""
    filterset = AuditProposalFilter(request.GET or None, request=request,
                                    queryset=selectors.proposals_visible_to(request.user).order_by("-created_at",
                                                                                                  "-pk"))
    return filterset.form, filterset.qs


@login_required
def proposal_list(request):
    form, qs = _filtered_proposals(request)
    page = Paginator(qs.prefetch_related("risk_areas"), 25).get_page(request.GET.get("page"))
    return render(request, "audits/proposal_list.html", {
        "form": form, "page": page, "query": list_query(request),
        "may_create": policy.can_anywhere(request.user, "audit_proposal.create")})


@login_required
def proposal_export(request, fmt: str):
    form, qs = _filtered_proposals(request)
    return export.proposals_export(qs, fmt=fmt, user=request.user, form=form)


# --- proposal wizard: search → duplicates → form --------------------------------------------------------------
@login_required
def proposal_create(request):
    tax_code = clean_digits(request.GET.get("tax_code") or request.POST.get("tax_code") or "")
    enterprise = Enterprise.objects.filter(tax_code=tax_code).first() if tax_code else None
    if enterprise is None:  # steps 1–2: search (recorded) and look at the open cases found
        search = forms.SearchForm(request.GET or None)
        results = []
        if search.is_valid():
            _qs, page = search_and_record(actor=request.user, query=search.cleaned_data["q"])
            results = [{"enterprise": e, "duplicates": duplicate_rows(open_cases_for_enterprise(e.tax_code))}
                       for e in page]
        return render(request, "audits/proposal_search.html", {"search": search, "results": results,
                                                               "searched": search.is_bound})
    form = forms.ProposalForm(request.POST or None, user=request.user, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        p = call_service(form, lambda: services.proposal_create(actor=request.user, enterprise=enterprise,
                                                                **form.cleaned_data))
        if p is not None:
            messages.success(request, _("Proposal %(number)s recorded as a draft.") % {"number": p.number})
            return redirect(p)
    return render(request, "audits/proposal_form.html", {
        "form": form, "enterprise": enterprise,
        "duplicates": duplicate_rows(open_cases_for_enterprise(enterprise.tax_code))})


@login_required
def proposal_edit(request, pk: int):
    p = get_proposal(request.user, pk)
    form = forms.ProposalForm(request.POST or None, user=request.user, instance=p)
    if request.method == "POST" and form.is_valid() and call_service(form, lambda: services.proposal_update(
            actor=request.user, proposal=p, expected_version=posted_version(request, p.version),
            **form.cleaned_data)):
        messages.success(request, _("Proposal saved."))
        return redirect(p)
    return render(request, "audits/proposal_form.html", {"form": form, "enterprise": p.enterprise, "proposal": p})


def _proposal_context(request, p, *, action_error=None, action_note=""):
    actions = [t for t in PWF.available(request.user, p) if t.action != "open_case"]
    earlier = list(rules.earlier_proposals(p)) if p.state in ("submitted", "suspended") else []
    case = AuditCase.objects.filter(proposal=p).first()
    return {
        "p": p, "state_label": PWF.state_label(p.state),
        "actions": [{"t": t, "needs_note": t.needs_note(p)} for t in actions],
        "action_error": action_error or {}, "action_note": action_note,
        "may_edit": may_edit_proposal(request.user, p),
        "may_open": may_open_case(request.user, p),
        "earlier": earlier, "case": case,
        # while it awaits a decision, the open cases now (a filing submitted after it included), else those at submit
        "duplicates": duplicate_rows(live_duplicates(p) if p.state == "submitted" else p.duplicates),
        "events": timeline(p, PWF),
        "due_label": DEADLINE_KINDS.get(p.due_kind, p.due_kind),
    }


@login_required
def proposal_detail(request, pk: int):
    p = get_proposal(request.user, pk)
    return render(request, "audits/proposal_detail.html", _proposal_context(request, p))


@login_required
@require_POST
def proposal_action(request, pk: int):
    p = get_proposal(request.user, pk)
    return workflow_action(request, p, workflow=PWF, template="audits/proposal_detail.html", context=_proposal_context,
                           act=lambda **kw: services.proposal_act(actor=request.user, proposal=p, **kw))

