"""Audit rules as the law and the seed letter say them (issue 16), on real dates."""

from datetime import date

import pytest

from stq.audits import rules
from stq.core.errors import AppError
from stq.declarations.models import Declaration
from stq.org.models import UnitKind
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _declaration(base_number, registered_on, office):
    return Declaration.objects.create(base_number=base_number, registered_on=registered_on, customs_office=office,
                                      procedure_type="A11", flow="I", channel=1, declarant_tax_code="0100109106",
                                      importer_exporter_tax_code="0100109106")


@pytest.fixture
def clearing_office(org):
    return UnitFactory(code="KV01-NB", name="Hải quan cửa khẩu Sân bay quốc tế Nội Bài", level_label="Hải quan",
                       parent=org.kv01, kind=UnitKind.CLEARING_OFFICE, customs_office_codes=["01B1"])


# --- item 2: the 60-day limit belongs to clearing offices (TT38-39 art 142.1.a) ------------------------------------
def test_regional_subdepartment_labelled_chi_cuc_is_not_bound_by_60_days_tt38_142_1_a(org):
    """TT38-39 art 142.1.a (domain B9.2): the 60-day limit binds the head of the customs office that cleared the goods.
    A 2025 regional sub-department (KV01, labelled "Chi cục") or the central audit unit signing on Mon 16/03/2026 may
    audit a period starting 01/01/2026."""
    org.kv01.kind = UnitKind.REGIONAL_SUBDEPARTMENT
    org.kv01.save()
    assert org.kv01.level_label == "Chi cục"
    rules.check_desk_by_clearing_office("desk", org.kv01, date(2026, 3, 16), date(2026, 1, 1))
    central = UnitFactory(code="KTSTQ", name="Chi cục Kiểm tra sau thông quan", level_label="Chi cục",
                          parent=org.chq, kind=UnitKind.CENTRAL_AUDIT)
    rules.check_desk_by_clearing_office("desk", central, date(2026, 3, 16), date(2026, 1, 1))


def test_clearing_office_desk_audit_covers_60_days_tt38_142_1_a(org, clearing_office):
    """TT38-39 art 142.1.a: a clearing office's desk audit signed Mon 16/03/2026 reaches back to 15/01/2026 only."""
    with pytest.raises(AppError) as info:
        rules.check_desk_by_clearing_office("desk", clearing_office, date(2026, 3, 16), date(2026, 1, 1))
    assert info.value.code == "desk_window" and "15/01/2026" in str(info.value.message)
    rules.check_desk_by_clearing_office("desk", clearing_office, date(2026, 3, 16), date(2026, 1, 15))
    rules.check_desk_by_clearing_office("field", clearing_office, date(2026, 3, 16), date(2026, 1, 1))


def test_clearing_office_desk_audit_covers_its_own_dossiers_only_tt38_142_1_a(org, clearing_office):
    """TT38-39 art 142.1.a: "hồ sơ hải quan đã được thông quan tại Chi cục" — declarations cleared by another office
    (02CI, Sài Gòn KV I) are refused; those of the office itself (01B1) pass."""
    _declaration("10123456789", date(2026, 2, 2), "01B1")
    _declaration("10123456790", date(2026, 2, 3), "02CI")
    rules.check_desk_by_clearing_office("desk", clearing_office, date(2026, 3, 16), date(2026, 1, 20),
                                        ["101234567890"])
    with pytest.raises(AppError) as info:
        rules.check_desk_by_clearing_office("desk", clearing_office, date(2026, 3, 16), date(2026, 1, 20),
                                            ["101234567890", "101234567900"])
    assert info.value.code == "desk_own_dossiers" and "10123456790" in str(info.value.message)


def test_seed_units_mark_clearing_offices_in_both_trees(db):
    """The unit data of both trees (2020 and 2025) says which units are clearing offices; "Chi cục" labels do not."""
    from stq.org.demo import build_units
    from stq.org.models import Unit

    build_units()
    clearing = set(Unit.objects.filter(kind=UnitKind.CLEARING_OFFICE).values_list("code", flat=True))
    assert {"KV01-NB", "KV02-CI", "HQHN-01B1-2020", "HQHCM-02CI-2020"} <= clearing
    labelled = Unit.objects.filter(level_label="Chi cục")
    assert labelled.filter(kind=UnitKind.CLEARING_OFFICE).exists()  # 2020 border-gate Chi cục
    assert not labelled.filter(code__in=["KTSTQ", "KV01", "HQHN-KTSTQ-2020", "CKTSTQ-2020"],
                               kind=UnitKind.CLEARING_OFFICE).exists()
    assert Unit.objects.get(code="KTSTQ").kind == UnitKind.CENTRAL_AUDIT
    assert Unit.objects.get(code="HQHN-01B1-2020").valid_to == date(2025, 2, 28)
