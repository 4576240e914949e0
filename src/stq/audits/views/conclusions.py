"""Pages of the conclusion and the handling: the conclusion form and the approval of a supplementary one, tax
assessments, penalties, payments, referrals, complaints and their decisions, documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from stq.core.errors import AppError
from stq.core.forms import call_service

from .. import forms, selectors, services
from ..models import AuditConclusion, CaseDocument, Complaint
from .common import get_case


@login_required
def conclusion_create(request, pk: int):
    case = get_case(request.user, pk)
    form = forms.ConclusionForm(request.POST or None, case=case,
                                initial={"supplementary": bool(case.conclusions.filter(supplementary=False).exists())})
    if request.method == "POST" and form.is_valid():
        c = call_service(form, lambda: services.conclusion_record(actor=request.user, case=case,
                                                                  findings=form.findings(), **form.values()))
        if c is not None:
            if c.recorded_late:
                messages.warning(request, _("Recorded %(days)s days after signing: flagged as late.")
                                 % {"days": c.recording_delay_days})
            messages.success(request, _("Conclusion %(number)s recorded.") % {"number": c.number})
            return redirect(case)
    return render(request, "audits/conclusion_form.html", {"form": form, "case": case})


@login_required
@require_POST
def conclusion_approve(request, pk: int, cid: int):
    case = get_case(request.user, pk)
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
    case = get_case(request.user, pk)
    if what not in HANDLING:
        raise Http404
    service, title = HANDLING[what]
    form = forms.HANDLING_FORMS[what](request.POST or None)
    if request.method == "POST" and form.is_valid() and call_service(
            form, lambda: service(actor=request.user, case=case, **form.cleaned_data)):
        messages.success(request, _("Saved: %(what)s.") % {"what": title})
        return redirect(case)
    return render(request, "audits/handling_form.html", {"form": form, "case": case, "title": title})


@login_required
def complaint_decide(request, pk: int, cid: int):
    case = get_case(request.user, pk)
    complaint = Complaint.objects.filter(case=case, pk=cid).first()
    if complaint is None:
        raise Http404
    form = forms.ComplaintDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and call_service(
            form, lambda: services.complaint_decide(actor=request.user, complaint=complaint, **form.cleaned_data)):
        messages.success(request, _("Complaint decision recorded."))
        return redirect(case)
    return render(request, "audits/handling_form.html", {"form": form, "case": case,
                                                         "title": _("Decision on the complaint")})


@login_required
@require_POST
def document_upload(request, pk: int):
    case = get_case(request.user, pk)
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

