"""Audit rules as the law and the seed letter say them (issue 16), on real dates."""

from datetime import UTC, date

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


# --- item 3: the focus list blocks the whole enterprise (seed letter 7301 §2.2) ------------------------------------
def _focus(ent, org, area="VALUATION", start=date(2026, 1, 1), end=None):
    from stq.enterprises.models import FocusListEntry

    return FocusListEntry.objects.create(enterprise=ent, risk_area=area, valid_from=start, valid_to=end,
                                         reason="Rủi ro cao về trị giá", designating_unit=org.chq,
                                         created_by=org.risk_manager)


def test_focus_list_blocks_head_office_and_branches_whatever_the_field_letter_7301_2_2(org):
    """Letter 7301 §2.2: "Không được đề xuất KTSTQ các doanh nghiệp mà doanh nghiệp đó thuộc danh sách doanh nghiệp
    trọng điểm". The head office 0100109106 is listed for valuation from 01/01/2026: on Mon 02/03/2026 neither it nor
    its branch 0100109106-001 may be proposed, for any risk area; listed only until 31/01/2026, both are free."""
    from .factories import enterprise

    head = enterprise("0100109106", "Công ty TNHH Thử Nghiệm")
    branch = enterprise("0100109106001", "Chi nhánh Hải Phòng", head=head)
    other = enterprise("0100233488", "Công ty khác")
    entry = _focus(head, org)
    for ent in (head, branch):
        with pytest.raises(AppError) as info:
            rules.check_focus_list(ent, days=[date(2026, 3, 2)])
        assert info.value.code == "focus_list" and "0100109106" in str(info.value.message)
    rules.check_focus_list(other, days=[date(2026, 3, 2)])
    entry.valid_to = date(2026, 1, 31)
    entry.save()
    rules.check_focus_list(branch, days=[date(2026, 3, 2)])
    # a listed branch blocks its head office too
    _focus(branch, org, area="ORIGIN", start=date(2026, 2, 1))
    with pytest.raises(AppError):
        rules.check_focus_list(head, days=[date(2026, 3, 2)])


def test_focus_mark_in_search_results_enterprise_page_and_proposal_form(org, client):
    """Letter 7301 §2.2: the officer sees the mark before anything is saved — in the directory's search results, on
    the enterprise page and on the proposal form (and the proposal is refused)."""
    from stq.audits.models import AuditProposal

    from .factories import enterprise, searched

    head = enterprise("0100109106", "Công ty TNHH Thử Nghiệm")
    branch = enterprise("0100109106001", "Chi nhánh Hải Phòng", head=head)
    _focus(head, org, start=date(2026, 1, 1))
    client.force_login(org.officer1)
    html = client.get("/enterprises/", {"q": "0100109106"}).content.decode()
    assert html.count('data-testid="focus-mark"') == 2  # head office and branch
    html = client.get(f"/enterprises/{branch.tax_code}/").content.decode()
    assert 'data-testid="badge-focus"' in html and "0100109106" in html
    html = client.get("/audits/proposals/new/", {"q": "0100109106"}).content.decode()
    assert 'data-testid="focus-mark"' in html
    searched(org.officer1, branch)
    html = client.get("/audits/proposals/new/", {"tax_code": branch.tax_code}).content.decode()
    assert 'data-testid="focus-mark"' in html
    assert not AuditProposal.objects.exists()


# --- item 5: search first means a search that identified the enterprise (letter 7301 §2.2) -------------------------
def test_a_search_for_2_does_not_identify_2300506922_letter_7301_2_2(org):
    """Letter 7301 §2.2 "Phải thực hiện tra cứu trước khi đề xuất": searching the one digit "2" listed 2300506922 among
    its results but did not identify it; its full tax code, or a name that finds only it, does."""
    from datetime import datetime

    from stq.enterprises import selectors, services
    from stq.enterprises.models import Enterprise

    ent = Enterprise.objects.create(tax_code="2300506922", name="Công ty Cổ phần Bắc Ninh Xanh")
    Enterprise.objects.create(tax_code="0100233488", name="Công ty TNHH Hà Nội")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    services.search_and_record(actor=org.officer1, query="2")
    assert not selectors.has_searched(org.officer1, ent.tax_code, since)
    services.search_and_record(actor=org.officer1, query="230050")  # a longer prefix is still a prefix
    assert not selectors.has_searched(org.officer1, ent.tax_code, since)
    with pytest.raises(AppError) as info:
        rules.check_searched(org.officer1, ent)
    assert info.value.code == "search_required"
    services.search_and_record(actor=org.officer1, query="bac ninh xanh")  # a name that finds only it
    assert selectors.has_searched(org.officer1, ent.tax_code, since)


def test_a_name_search_with_other_enterprises_does_not_identify_letter_7301_2_2(org):
    """A name matching several enterprises does not identify one of them; the exact tax code does."""
    from datetime import datetime

    from stq.enterprises import selectors, services
    from stq.enterprises.models import Enterprise

    ent = Enterprise.objects.create(tax_code="2300506922", name="Công ty Cổ phần Bắc Ninh Xanh")
    Enterprise.objects.create(tax_code="0100233488", name="Công ty TNHH Bắc Ninh Đỏ")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    services.search_and_record(actor=org.officer1, query="Bắc Ninh")
    assert not selectors.has_searched(org.officer1, ent.tax_code, since)
    services.search_and_record(actor=org.officer1, query="2300506922")
    assert selectors.has_searched(org.officer1, ent.tax_code, since)
