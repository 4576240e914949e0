"""The "Risk" section of the enterprise page (the enterprises app's extension point)."""

from django.utils.translation import gettext_lazy as _

from stq.enterprises.sections import register_section
from stq.org import policy

from . import selectors
from .scoring import reason_text


def _context(request, enterprise) -> dict:
    risk = selectors.enterprise_risk(enterprise.tax_code)
    return {
        "risk": risk,
        "risk_reasons": [reason_text(r) for r in (risk.reasons if risk else [])],
        "risk_history": selectors.enterprise_risk_history(enterprise.tax_code, limit=24),
        "risk_hits": list(selectors.enterprise_hits(enterprise.tax_code, limit=10)),
        "may_recompute": policy.can_anywhere(request.user, "risk.view"),
    }


register_section("risk", _("Risk assessment"), "risk/enterprise_section.html", _context, order=15)
