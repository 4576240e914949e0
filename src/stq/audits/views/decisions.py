"""Pages of audit decisions: the audit decision that opens the case, and the decisions that amend, extend, suspend,
resume or cancel it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core.forms import call_service

from .. import forms, rules, services
from ..models import DecisionKind
from ..workflow import ORIGINAL_RETURNED
from .common import get_case, get_proposal


@login_required
def case_open(request, pk: int):
    p = get_proposal(request.user, pk)
    form = forms.DecisionForm(request.POST or None, original=True,
                              initial={"team_members": p.planned_team, "start_on": p.planned_start})
    if request.method == "POST" and form.is_valid():
        case = call_service(form, lambda: services.case_open(actor=request.user, proposal=p, **form.values()))
        if case is not None:
            messages.success(request, _("Audit case %(number)s opened.") % {"number": case.number})
            return redirect(case)
    return render(request, "audits/decision_form.html", {"form": form, "p": p, "original": True,
                                                         "earliest": rules.earliest_start(timezone.localdate(),
                                                                                          p.ground, p.mode)})


@login_required
def decision_create(request, pk: int):
    case = get_case(request.user, pk)
    original = case.decisions.filter(kind="original").first()
    initial = {"signer_name": original.signer_name, "signer_title": original.signer_title,
               "signer_authority": original.signer_authority} if original else {}
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    if case.pending_decision_kind == ORIGINAL_RETURNED:  # the leader returned the audit decision: its correction
        initial["kind"] = DecisionKind.ORIGINAL
    form = forms.DecisionForm(request.POST or None, initial=initial,
                              corrected_original=case.pending_decision_kind == ORIGINAL_RETURNED)
    if request.method == "POST" and form.is_valid():
        decision = call_service(form, lambda: services.decision_record(
            actor=request.user, case=case, kind=form.cleaned_data["kind"], **form.values()))
        if decision is not None:
            if decision.recorded_late:
                messages.warning(request, _("Recorded %(days)s days after signing: flagged as late.")
                                 % {"days": decision.recording_delay_days})
            messages.success(request, _("Decision %(number)s recorded: it takes effect when a leader approves it.")
                             % {"number": decision.number})
            return redirect(case)
    return render(request, "audits/decision_form.html", {"form": form, "case": case, "original": False})

