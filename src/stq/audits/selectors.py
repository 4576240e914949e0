"""Reads of the audits app: lists within the policy scope, the duplicate source, the figures, and the selectors other
apps rely on (reports, risk, legacy — see the audits contract)."""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from stq.collection.selectors import duplicate_row, register_duplicate_kind, register_duplicate_source
from stq.org import policy

from .models import (
    TAX_TYPES,
    AuditCase,
    AuditConclusion,
    AuditDecision,
    AuditProposal,
    ConclusionFinding,
    Payment,
    PenaltyDecision,
)
from .rules import CONCLUDED_AUDIT, compliance_audit_cap, compliance_audits_used  # noqa: F401  (part of the contract)

P = AuditProposal.State
C = AuditCase.State
OPEN_CASE_EXCLUDED = ("closed", "cancelled")


# --- visibility -----------------------------------------------------------------------------------------------
@policy.selector_of(AuditProposal)
def proposals_visible_to(user) -> QuerySet[AuditProposal]:
    """The one scope of audit proposals: those of the units the user reads, and those the user may act on (e.g.
    approve at the department for department scope)."""
    qs = AuditProposal.objects.select_related("unit", "approval_unit", "enterprise", "proposed_by")
    # no DISTINCT: the scope follows foreign keys only (one row per proposal); a DISTINCT over the wide selected
    # rows cost more to plan and sort than the rest of the list query (load test, benchmarks/LOAD.md)
    return qs.filter(policy.visible_q(user, AuditProposal))


@policy.selector_of(AuditCase)
def cases_visible_to(user) -> QuerySet[AuditCase]:
    qs = AuditCase.objects.select_related("unit", "enterprise", "proposal")
    return qs.filter(policy.visible_q(user, AuditCase))  # no DISTINCT: see proposals_visible_to


# --- the duplicate search (A1.2, A2): every unit, no content ----------------------------------------------------
def _open_proposals_q() -> Q:
    """Proposals still open: pending, or approved without a case that is closed or cancelled."""
    ended_case = AuditCase.objects.filter(proposal_id=OuterRef("pk"), state__in=OPEN_CASE_EXCLUDED)
    return Q(state__in=AuditProposal.PENDING_STATES) | (Q(state=P.APPROVED) & ~Exists(ended_case))


register_duplicate_kind("audit_proposal", AuditProposal)
register_duplicate_kind("audit_case", AuditCase)
register_duplicate_kind("concluded_audit", AuditCase, CONCLUDED_AUDIT)


@register_duplicate_source
def _open_audit_proposals(tax_codes: list[str], exclude) -> list[dict]:
    qs = (AuditProposal.objects.filter(enterprise__tax_code__in=tax_codes).filter(_open_proposals_q())
          .filter(~Exists(AuditCase.objects.filter(proposal_id=OuterRef("pk"))))  # the case stands for it
          .select_related("unit", "enterprise").order_by("filed_at", "pk"))
    if isinstance(exclude, AuditProposal) and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    wf = AuditProposal.workflow
    return [
        duplicate_row(kind="audit_proposal", kind_label=wf.label, unit=p.unit, number=p.number, state=p.state,
                      state_label=wf.state_label(p.state), tax_code=p.enterprise.tax_code,
                      enterprise_name=p.enterprise.name,
                      dates={"filed_on": p.filed_at and timezone.localdate(p.filed_at),
                             "planned_start": p.planned_start})
        for p in qs
    ]


@register_duplicate_source
def _open_audit_cases(tax_codes: list[str], exclude) -> list[dict]:
    qs = (AuditCase.objects.filter(enterprise__tax_code__in=tax_codes).exclude(state__in=OPEN_CASE_EXCLUDED)
          .select_related("unit", "enterprise").order_by("decision_signed_on", "pk"))
    if isinstance(exclude, AuditCase) and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    wf = AuditCase.workflow
    return [
        duplicate_row(kind="audit_case", kind_label=wf.label, unit=c.unit, number=c.number, state=c.state,
                      state_label=wf.state_label(c.state), tax_code=c.enterprise.tax_code,
                      enterprise_name=c.enterprise.name,
                      dates={"decision_signed_on": c.decision_signed_on, "started_on": c.started_on,
                             "ended_on": c.ended_on})
        for c in qs
    ]


# --- contract selectors ---------------------------------------------------------------------------------------
def open_tax_codes() -> set[str]:
    """Tax codes with a proposal submitted/returned/suspended or approved without a closed/cancelled case, or a case
    not closed/cancelled (legacy included)."""
    codes = set(AuditProposal.objects.filter(_open_proposals_q()).values_list("enterprise__tax_code", flat=True))
    codes |= set(AuditCase.objects.exclude(state__in=OPEN_CASE_EXCLUDED)
                 .values_list("enterprise__tax_code", flat=True))
    return codes


def last_audit_dates(tax_codes=None) -> dict[str, date]:
    """Per tax code, the latest decision_signed_on of a non-cancelled case (legacy included)."""
    qs = AuditCase.objects.exclude(state=C.CANCELLED).filter(decision_signed_on__isnull=False)
    if tax_codes is not None:
        qs = qs.filter(enterprise__tax_code__in=list(tax_codes))
    out: dict[str, date] = {}
    for code, day in qs.values_list("enterprise__tax_code", "decision_signed_on"):
        if code not in out or day > out[code]:
            out[code] = day
    return out


def _tax_sum_expr():
    expr = F(TAX_TYPES[0])
    for name in TAX_TYPES[1:]:
        expr = expr + F(name)
    return expr


def audit_outcomes(since: date | None = None):
    """Concluded cases with an approved conclusion: {tax_code, case_id, concluded_on, has_violations, tax_total,
    declaration_numbers} (the risk engine's labels)."""
    approved = AuditConclusion.objects.filter(case_id=OuterRef("pk"), approved_at__isnull=False)
    qs = (AuditCase.objects.filter(Exists(approved), concluded_on__isnull=False)
          .select_related("enterprise", "proposal"))
    if since:
        qs = qs.filter(concluded_on__gte=since)
    totals = dict(ConclusionFinding.objects.filter(conclusion__approved_at__isnull=False,
                                                   conclusion__case__in=qs)
                  .values("conclusion__case_id").annotate(t=Sum(_tax_sum_expr()))
                  .values_list("conclusion__case_id", "t"))
    violations = set(AuditConclusion.objects.filter(approved_at__isnull=False, has_violations=True, case__in=qs)
                     .values_list("case_id", flat=True))
    for case in qs.order_by("concluded_on", "pk"):
        yield {
            "tax_code": case.enterprise.tax_code,
            "case_id": case.pk,
            "concluded_on": case.concluded_on,
            "has_violations": case.pk in violations,
            "tax_total": int(totals.get(case.pk) or 0),
            "declaration_numbers": list(case.proposal.declaration_numbers) if case.proposal_id else [],
        }


# --- figures of one case / enterprise -------------------------------------------------------------------------
def case_figures(case) -> dict:
    """Assessed (approved conclusions), fines (penalty decisions), collected (payments) and outstanding, in VND."""
    findings = ConclusionFinding.objects.filter(conclusion__case=case, conclusion__approved_at__isnull=False)
    sums = findings.aggregate(**{t: Sum(t) for t in (*TAX_TYPES, "late_interest")})
    per_type = {t: int(sums[t] or 0) for t in TAX_TYPES}
    tax = sum(per_type.values())
    interest = int(sums["late_interest"] or 0)
    fines = int(PenaltyDecision.objects.filter(case=case).aggregate(s=Sum("amount"))["s"] or 0)
    paid = Payment.objects.filter(case=case)
    collected = int(paid.aggregate(s=Sum("amount"))["s"] or 0)
    by_kind = {k: int(v or 0) for k, v in paid.values_list("kind").annotate(s=Sum("amount")).values_list("kind", "s")}
    return {"per_type": per_type, "tax": tax, "late_interest": interest, "fines": fines,
            "assessed": tax + interest + fines, "collected": collected, "collected_by_kind": by_kind,
            "outstanding": tax + interest + fines - collected}


def enterprise_totals(cases: QuerySet[AuditCase]) -> dict:
    ids = list(cases.values_list("pk", flat=True))
    findings = ConclusionFinding.objects.filter(conclusion__case_id__in=ids, conclusion__approved_at__isnull=False)
    s = findings.aggregate(tax=Sum(_tax_sum_expr()), interest=Sum("late_interest"))
    fines = PenaltyDecision.objects.filter(case_id__in=ids).aggregate(s=Sum("amount"))["s"] or 0
    collected = Payment.objects.filter(case_id__in=ids).aggregate(s=Sum("amount"))["s"] or 0
    assessed = int(s["tax"] or 0) + int(s["interest"] or 0) + int(fines)
    return {"assessed": assessed, "fines": int(fines), "collected": int(collected),
            "outstanding": assessed - int(collected)}


# --- lists ----------------------------------------------------------------------------------------------------
def overdue_cases_visible_to(user) -> QuerySet[AuditCase]:
    return cases_visible_to(user).filter(due_on__lt=timezone.localdate()).order_by("unit__path", "due_on")


def overdue_proposals_visible_to(user) -> QuerySet[AuditProposal]:
    return proposals_visible_to(user).filter(due_on__lt=timezone.localdate()).order_by("unit__path", "due_on")


def late_recordings_visible_to(user):
    """Decisions and conclusions recorded after the SEED recording deadline, in the user's scope (for leaders)."""
    cases = cases_visible_to(user)
    decisions = (AuditDecision.objects.filter(recorded_late=True, case__in=cases)
                 .select_related("case", "case__unit", "created_by").order_by("-recorded_at"))
    conclusions = (AuditConclusion.objects.filter(recorded_late=True, case__in=cases)
                   .select_related("case", "case__unit", "created_by").order_by("-recorded_at"))
    return decisions, conclusions


def proposals_of_enterprise(user, enterprise):
    from stq.enterprises.selectors import enterprise_family_codes

    return proposals_visible_to(user).filter(enterprise__tax_code__in=enterprise_family_codes(enterprise.tax_code))


def cases_of_enterprise(user, enterprise):
    from stq.enterprises.selectors import enterprise_family_codes

    return cases_visible_to(user).filter(enterprise__tax_code__in=enterprise_family_codes(enterprise.tax_code))


# --- for the archive of the declaration history (declarations.partitions.archive) ---------------------------------
def open_cases_naming_months(before: date) -> list[tuple[str, str]]:
    """(case number, declaration number) of every open audit case (not closed, cancelled or referred) whose
    proposal names a declaration registered before `before` (its date from the number registry): those months'
    declarations must stay live while the case runs."""
    from stq.declarations.models import DeclarationNumber

    out = []
    cases = (AuditCase.objects.exclude(state__in=AuditCase.ENDED_STATES).exclude(proposal=None)
             .values_list("number", "proposal__declaration_numbers"))
    for number, declarations in cases:
        bases = {str(n)[:11] for n in declarations or [] if n}
        if not bases:
            continue
        for base in (DeclarationNumber.objects.filter(base_number__in=bases, registered_on__lt=before)
                     .order_by("base_number").values_list("base_number", flat=True)):
            out.append((number, base))
    return out
