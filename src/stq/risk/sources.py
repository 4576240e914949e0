"""What the risk engine reads from the audits app — only through the selectors of its contract
(``stq.audits.selectors``), gathered here so that the rest of the engine has one place to look."""

from __future__ import annotations

from datetime import date

from stq.audits import selectors as audits


def open_tax_codes() -> set[str]:
    """Tax codes with an open audit proposal or case, in any unit."""
    return set(audits.open_tax_codes())


def last_audit_dates(tax_codes=None) -> dict[str, date]:
    """Per tax code, the latest audit decision date (non-cancelled cases)."""
    return dict(audits.last_audit_dates(tax_codes))


def audit_outcomes(since=None) -> list[dict]:
    """[{tax_code, case_id, concluded_on, has_violations, tax_total, declaration_numbers}] of concluded audits
    with an approved conclusion — the labels of the risk engine."""
    return list(audits.audit_outcomes(since))


def compliance_audit_cap(year: int) -> int:
    """0.5 % of the enterprises active the previous year (TT81 art 23.2)."""
    return int(audits.compliance_audit_cap(year))


def compliance_audits_used(year: int) -> int:
    return int(audits.compliance_audits_used(year))
