"""The deadline board and the late recordings of audits."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from stq.workflow.work import my_work

from .. import selectors
from ..models import AuditCase, AuditProposal
from ..workflow import DEADLINE_KINDS


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
