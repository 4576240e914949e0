"""The administrable risk areas (collection) and the focus-list risk-area codes (enterprises) are one list of codes
until they are merged into one model; this keeps them from drifting apart."""

from stq.core.reference import RISK_AREAS
from stq.enterprises.models import RiskArea


def test_risk_area_codes_agree():
    assert [code for code, _vi, _en in RISK_AREAS] == list(RiskArea.values)
