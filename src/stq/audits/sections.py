"""The audit sections of the enterprise page: proposals and cases, conclusions, penalties, totals."""

from django.utils.translation import gettext_lazy as _

from stq.enterprises.sections import register_section

from .models import AuditConclusion, PenaltyDecision
from .selectors import cases_of_enterprise, enterprise_totals, proposals_of_enterprise


def _audits(request, enterprise) -> dict:
    cases = cases_of_enterprise(request.user, enterprise)
    return {
        "audit_proposals": list(proposals_of_enterprise(request.user, enterprise).filter(case__isnull=True)
                                .order_by("-created_at")[:20]),
        "audit_cases": list(cases.order_by("-decision_signed_on", "-pk")[:20]),
        "audit_totals": enterprise_totals(cases),
    }


def _conclusions(request, enterprise) -> dict:
    cases = cases_of_enterprise(request.user, enterprise)
    return {"audit_conclusions": list(AuditConclusion.objects.filter(case__in=cases).select_related("case")
                                      .order_by("-signed_on")[:20])}


def _penalties(request, enterprise) -> dict:
    cases = cases_of_enterprise(request.user, enterprise)
    return {"audit_penalties": list(PenaltyDecision.objects.filter(case__in=cases).select_related("case")
                                    .order_by("-issued_on")[:20])}


register_section("audits", _("Post-clearance audits"), "audits/section_audits.html", _audits, order=50)
register_section("conclusions", _("Audit conclusions"), "audits/section_conclusions.html", _conclusions, order=60)
register_section("penalties", _("Penalties"), "audits/section_penalties.html", _penalties, order=70)
