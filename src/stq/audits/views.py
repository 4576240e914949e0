"""Pages of the audits app: proposal wizard (search → duplicates → form), proposal and case pages with actions and
timeline, decision / conclusion / handling forms, documents, lists with Excel export, the deadline board and the
late recordings. Thin: every write goes through `services`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stq.collection.selectors import open_cases_for_enterprise
from stq.core.actions import workflow_action
from stq.core.errors import AppError, NotFound
from stq.core.forms import apply_app_error
from stq.core.work import my_work
from stq.enterprises.models import Enterprise
from stq.enterprises.services import search_and_record
from stq.enterprises.taxcode import clean_digits
from stq.org import policy

from . import export, forms, rules, selectors, services
from .models import AuditCase, AuditConclusion, AuditProposal, CaseDocument, Complaint
from .workflow import DEADLINE_KINDS, DECISION_ONLY

PWF = AuditProposal.workflow
CWF = AuditCase.workflow


def _proposal(user, pk) -> AuditProposal:
    try:
        return policy.access(selectors.proposals_visible_to(user), user, pk=pk)
    except NotFound:
        raise Http404 from None


def _case(user, pk) -> AuditCase:
    try:
        return policy.access(selectors.cases_visible_to(user), user, pk=pk)
    except NotFound:
        raise Http404 from None


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


DATE_LABELS = {"submitted_on": gettext_lazy("submitted"), "filed_on": gettext_lazy("filed"),
               "planned_start": gettext_lazy("planned start"), "planned_end": gettext_lazy("planned end"),
               "decision_signed_on": gettext_lazy("decision signed"), "started_on": gettext_lazy("started"),
               "ended_on": gettext_lazy("ended")}


def duplicate_rows(rows) -> list[dict]:
    out = []
    for row in rows or []:
        dates = [f"{DATE_LABELS.get(k, k)} {date.fromisoformat(v[:10]):%d/%m/%Y}"
                 for k, v in (row.get("dates") or {}).items() if v]
        out.append({**row, "dates_text": " · ".join(dates)})
    return out


DATA_LABELS = {
    **{f: label for fields in forms.STEP_FIELDS.values() for f, label, _req in fields},
    "delivery_method": gettext_lazy("Delivery method"), "decision": gettext_lazy("Decision"),
    "number": gettext_lazy("Number"), "signed_on": gettext_lazy("Signed on"),
    "concluded_on": gettext_lazy("Concluded on"), "reason_code": gettext_lazy("Legal reason"),
    "extension_working_days": gettext_lazy("Extension (working days)"), "body": gettext_lazy("Referred to"),
}


def _shown(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return value


def _events(case, wf):
    return [{"e": e, "label": wf.by_action[e.action].label if e.action in wf.by_action else _("Created"),
             "from": wf.state_label(e.from_state) if e.from_state else "", "to": wf.state_label(e.to_state),
             "data": {DATA_LABELS.get(k, k): _shown(v) for k, v in (e.data or {}).items()
                      if k not in ("note", "decision_id", "conclusion_id") and v not in (None, "")}}
            for e in case.events()]


# --- lists ----------------------------------------------------------------------------------------------------
def _filtered_cases(request):
    form = forms.CaseFilterForm(request.GET or None, user=request.user)
    qs = selectors.cases_visible_to(request.user)
    if form.is_valid():
        qs = selectors.filter_cases(qs, **form.cleaned_data)
    return form, qs.order_by("-created_at", "-pk")


@login_required
def case_list(request):
    form, qs = _filtered_cases(request)
    page = Paginator(qs.prefetch_related("risk_areas"), 25).get_page(request.GET.get("page"))
    return render(request, "audits/case_list.html", {"form": form, "page": page, "query": _query(request)})


@login_required
def case_export(request):
    _form, qs = _filtered_cases(request)
    return export.cases_xlsx(qs)


def _filtered_proposals(request):
    form = forms.ProposalFilterForm(request.GET or None, user=request.user)
    qs = selectors.proposals_visible_to(request.user)
    if form.is_valid():
        qs = selectors.filter_proposals(qs, **form.cleaned_data)
    return form, qs.order_by("-created_at", "-pk")


@login_required
def proposal_list(request):
    form, qs = _filtered_proposals(request)
    page = Paginator(qs.prefetch_related("risk_areas"), 25).get_page(request.GET.get("page"))
    return render(request, "audits/proposal_list.html", {
        "form": form, "page": page, "query": _query(request),
        "may_create": policy.can_anywhere(request.user, "audit_proposal.create")})


@login_required
def proposal_export(request):
    _form, qs = _filtered_proposals(request)
    return export.proposals_xlsx(qs)


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
        try:
            p = services.proposal_create(actor=request.user, enterprise=enterprise, **form.cleaned_data)
        except AppError as error:
            apply_app_error(form, error)
        else:
            messages.success(request, _("Proposal %(number)s recorded as a draft.") % {"number": p.number})
            return redirect(p)
    return render(request, "audits/proposal_form.html", {
        "form": form, "enterprise": enterprise,
        "duplicates": duplicate_rows(open_cases_for_enterprise(enterprise.tax_code))})


@login_required
def proposal_edit(request, pk: int):
    p = _proposal(request.user, pk)
    form = forms.ProposalForm(request.POST or None, user=request.user, instance=p)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(actor=request.user, proposal=p,
                                     expected_version=int(request.POST.get("version") or p.version),
                                     **form.cleaned_data)
        except AppError as error:
            apply_app_error(form, error)
        else:
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
        "may_edit": p.state in services.EDITABLE_STATES and policy.can(request.user, "audit_proposal.edit", p),
        "may_open": any(t.action == "open_case" for t in PWF.available(request.user, p)),
        "earlier": earlier, "case": case,
        "duplicates": duplicate_rows(p.duplicates), "events": _events(p, PWF),
        "due_label": DEADLINE_KINDS.get(p.due_kind, p.due_kind),
    }


@login_required
def proposal_detail(request, pk: int):
    p = _proposal(request.user, pk)
    return render(request, "audits/proposal_detail.html", _proposal_context(request, p))


@login_required
@require_POST
def proposal_action(request, pk: int):
    p = _proposal(request.user, pk)
    return workflow_action(request, p, workflow=PWF, template="audits/proposal_detail.html", context=_proposal_context,
                           act=lambda **kw: services.proposal_act(actor=request.user, proposal=p, **kw))


@login_required
def case_open(request, pk: int):
    p = _proposal(request.user, pk)
    form = forms.DecisionForm(request.POST or None, original=True,
                              initial={"team_members": p.planned_team, "start_on": p.planned_start})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, proposal=p, **form.values())
        except AppError as error:
            apply_app_error(form, error)
        else:
            messages.success(request, _("Audit case %(number)s opened.") % {"number": case.number})
            return redirect(case)
    return render(request, "audits/decision_form.html", {"form": form, "p": p, "original": True,
                                                         "earliest": rules.earliest_start(timezone.localdate(),
                                                                                          p.ground)})


# --- case -----------------------------------------------------------------------------------------------------
def _case_context(request, case, *, action_error=None, action_note=""):
    steps = []
    for t in CWF.available(request.user, case):
        if t.action in DECISION_ONLY:
            continue
        steps.append({"t": t, "needs_note": t.needs_note(case), "fields": forms.STEP_FIELDS.get(t.action, []),
                      "delivery": t.action == "deliver"})
    may_record = policy.can(request.user, "audit_case.record", case) and not case.legacy
    conclusions = list(case.conclusions.prefetch_related("findings__risk_area").select_related("approved_by"))
    return {
        "case": case, "state_label": CWF.state_label(case.state), "steps": steps,
        "action_error": action_error or {}, "action_note": action_note,
        "may_record": may_record,
        "may_decide": may_record and case.state not in (*AuditCase.ENDED_STATES, "concluded", "handling"),
        "may_conclude": may_record and (
            any(t.action == "conclude" and t.applies(case) and case.state in t.sources for t in CWF.transitions)
            or (case.expert_requested_on and case.state in ("concluded", "handling"))),
        "may_handle": may_record and case.state in services.HANDLING_STATES,
        "may_approve_supplementary": policy.can(request.user, "audit_case.approve_supplementary", case),
        "decisions": case.decisions.select_related("created_by"),
        "conclusions": conclusions, "figures": selectors.case_figures(case),
        "tax_assessments": case.tax_assessments.all(), "penalties": case.penalties.all(),
        "payments": case.payments.select_related("recorded_by"), "referrals": case.referrals.all(),
        "complaints": case.complaints.all(), "documents": case.documents.select_related("uploaded_by"),
        "document_form": forms.DocumentForm(), "events": _events(case, CWF),
        "delivery_methods": forms.DELIVERY_METHODS, "fieldwork_end_due": _end_due(case),
        "due_label": DEADLINE_KINDS.get(case.due_kind, case.due_kind),
    }


def _end_due(case):
    from .workflow import fieldwork_end_due

    return fieldwork_end_due(case)


@login_required
def case_detail(request, pk: int):
    case = _case(request.user, pk)
    return render(request, "audits/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_action(request, pk: int):
    case = _case(request.user, pk)
    name = request.POST.get("action")
    data = {f: request.POST.get(f) for f, _label, _req in forms.STEP_FIELDS.get(name, []) if request.POST.get(f)}
    for field in ("delivery_method", "body"):
        if request.POST.get(field):
            data[field] = request.POST[field]
    return workflow_action(request, case, workflow=CWF, template="audits/case_detail.html", context=_case_context,
                           act=lambda **kw: services.case_act(actor=request.user, case=case, **kw), data=data)


@login_required
def decision_create(request, pk: int):
    case = _case(request.user, pk)
    original = case.decisions.filter(kind="original").first()
    initial = {"signer_name": original.signer_name, "signer_title": original.signer_title,
               "signer_authority": original.signer_authority} if original else {}
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = forms.DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_record(actor=request.user, case=case, kind=form.cleaned_data["kind"],
                                                **form.values())
        except AppError as error:
            apply_app_error(form, error)
        else:
            if decision.recorded_late:
                messages.warning(request, _("Recorded %(days)s days after signing: flagged as late.")
                                 % {"days": decision.recording_delay_days})
            messages.success(request, _("Decision %(number)s recorded.") % {"number": decision.number})
            return redirect(case)
    return render(request, "audits/decision_form.html", {"form": form, "case": case, "original": False})


@login_required
def conclusion_create(request, pk: int):
    case = _case(request.user, pk)
    form = forms.ConclusionForm(request.POST or None, case=case,
                                initial={"supplementary": bool(case.conclusions.filter(supplementary=False).exists())})
    if request.method == "POST" and form.is_valid():
        try:
            c = services.conclusion_record(actor=request.user, case=case, findings=form.findings(), **form.values())
        except AppError as error:
            placed = False
            for key, message in error.fields.items():
                if key in form.fields:
                    form.add_error(key, str(message))
                    placed = True
            if not placed:
                form.add_error(None, str(error.message))
        else:
            if c.recorded_late:
                messages.warning(request, _("Recorded %(days)s days after signing: flagged as late.")
                                 % {"days": c.recording_delay_days})
            messages.success(request, _("Conclusion %(number)s recorded.") % {"number": c.number})
            return redirect(case)
    return render(request, "audits/conclusion_form.html", {"form": form, "case": case})


@login_required
@require_POST
def conclusion_approve(request, pk: int, cid: int):
    case = _case(request.user, pk)
    conclusion = AuditConclusion.objects.filter(case=case, pk=cid).first()
    if conclusion is None:
        raise Http404
    try:
        services.conclusion_approve(actor=request.user, conclusion=conclusion)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Conclusion approved."))
    return redirect(case)


HANDLING = {
    "tax": (services.tax_assessment_record, gettext_lazy("Tax-assessment decision")),
    "penalty": (services.penalty_record, gettext_lazy("Administrative-penalty decision")),
    "payment": (services.payment_record, gettext_lazy("Amount collected")),
    "referral": (services.referral_record, gettext_lazy("Referral")),
    "complaint": (services.complaint_record, gettext_lazy("Complaint")),
}


@login_required
def handling_create(request, pk: int, what: str):
    case = _case(request.user, pk)
    if what not in HANDLING:
        raise Http404
    service, title = HANDLING[what]
    form = forms.HANDLING_FORMS[what](request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, case=case, **form.cleaned_data)
        except AppError as error:
            apply_app_error(form, error)
        else:
            messages.success(request, _("Saved: %(what)s.") % {"what": title})
            return redirect(case)
    return render(request, "audits/handling_form.html", {"form": form, "case": case, "title": title})


@login_required
def complaint_decide(request, pk: int, cid: int):
    case = _case(request.user, pk)
    complaint = Complaint.objects.filter(case=case, pk=cid).first()
    if complaint is None:
        raise Http404
    form = forms.ComplaintDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_decide(actor=request.user, complaint=complaint, **form.cleaned_data)
        except AppError as error:
            apply_app_error(form, error)
        else:
            messages.success(request, _("Complaint decision recorded."))
            return redirect(case)
    return render(request, "audits/handling_form.html", {"form": form, "case": case,
                                                         "title": _("Decision on the complaint")})


@login_required
@require_POST
def document_upload(request, pk: int):
    case = _case(request.user, pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            doc = services.document_upload(actor=request.user, case=case, title=form.cleaned_data["title"],
                                           file=form.cleaned_data["file"])
        except AppError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Document stored (SHA-256 %(sum)s…).") % {"sum": doc.sha256[:12]})
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(case)


@login_required
def document_download(request, did: int):
    doc = CaseDocument.objects.select_related("case").filter(pk=did).first()
    if doc is None or not selectors.cases_visible_to(request.user).filter(pk=doc.case_id).exists():
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name or f"{doc.title}.pdf",
                        content_type="application/pdf")


# --- deadline board -------------------------------------------------------------------------------------------
@login_required
def deadlines(request):
    """My due and overdue audit work, and the overdue lists of the units the user may see."""
    mine = [i for i in my_work(request.user) if isinstance(i.case, AuditCase | AuditProposal)]
    unit_code = request.GET.get("unit")
    cases = selectors.overdue_cases_visible_to(request.user)
    props = selectors.overdue_proposals_visible_to(request.user)
    if unit_code:
        cases, props = cases.filter(unit__code=unit_code), props.filter(unit__code=unit_code)
    groups: dict = {}
    for obj in [*cases[:500], *props[:500]]:
        groups.setdefault(obj.unit, []).append(obj)
    return render(request, "audits/deadlines.html", {
        "mine": mine, "groups": sorted(groups.items(), key=lambda kv: kv[0].path), "unit_code": unit_code,
        "today": timezone.localdate(), "deadline_labels": DEADLINE_KINDS})




@login_required
def late_recordings(request):
    decisions, conclusions = selectors.late_recordings_visible_to(request.user)
    return render(request, "audits/late.html", {"decisions": decisions[:200], "conclusions": conclusions[:200]})
