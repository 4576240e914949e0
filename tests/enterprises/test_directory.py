from datetime import date, timedelta

import pytest
from django.utils import timezone

from stq.core.errors import AppError
from stq.enterprises import selectors, services
from stq.enterprises.models import Enterprise, EnterpriseSearch, FocusListEntry, ProfileSubmission
from stq.enterprises.sections import SECTIONS, register_section
from stq.enterprises.text import normalize_name

from .factories import EnterpriseFactory, make_tax_code

pytestmark = pytest.mark.django_db


def test_normalize_name():
    assert normalize_name("Công ty TNHH  Hải Dương ĐÔNG Á") == "cong ty tnhh hai duong dong a"


def test_search_is_accent_and_case_insensitive(org):
    target = services.enterprise_create(actor=org.officer1, tax_code=make_tax_code(1), name="Công ty TNHH Hải Dương")
    services.enterprise_create(actor=org.officer1, tax_code=make_tax_code(2), name="Công ty CP Hải Phòng")
    for query in ["cong ty hai duong", "CÔNG TY HẢI DƯƠNG", "hai duong", "Hải dương tnhh"]:
        found = list(selectors.search_enterprises(query))
        assert found == [target], query
    assert list(selectors.search_enterprises(make_tax_code(1)[:6])) == [target] or target in list(
        selectors.search_enterprises(make_tax_code(1)[:6]))
    assert list(selectors.search_enterprises(make_tax_code(1))) == [target]


def test_branch_links_to_head_and_family_codes(org):
    head = services.enterprise_create(actor=org.officer1, tax_code=make_tax_code(5), name="Công ty Mẹ")
    branch = services.enterprise_create(actor=org.officer1, tax_code=f"{head.tax_code}-001", name="Chi nhánh 1")
    assert branch.head == head
    assert selectors.enterprise_family_codes(branch.tax_code) == [head.tax_code, branch.tax_code]
    assert selectors.enterprise_family_codes(head.tax_code) == [head.tax_code, branch.tax_code]
    # a branch created before its head is adopted when the head arrives
    orphan = services.enterprise_create(actor=org.officer1, tax_code=f"{make_tax_code(6)}-002", name="CN")
    assert orphan.head is None
    later_head = services.enterprise_create(actor=org.officer1, tax_code=make_tax_code(6), name="Mẹ sau")
    orphan.refresh_from_db()
    assert orphan.head == later_head


def test_duplicate_and_invalid_create_write_nothing(org):
    services.enterprise_create(actor=org.officer1, tax_code=make_tax_code(7), name="A")
    with pytest.raises(AppError) as exc:
        services.enterprise_create(actor=org.officer2, tax_code=make_tax_code(7), name="B")
    assert exc.value.code == "duplicate_tax_code"
    with pytest.raises(AppError) as exc:
        services.enterprise_create(actor=org.officer1, tax_code="0100233489", name="C")
    assert exc.value.code == "invalid_tax_code"
    with pytest.raises(AppError) as exc:
        services.enterprise_create(actor=org.analyst, tax_code=make_tax_code(8), name="D")
    assert exc.value.code == "forbidden"
    assert Enterprise.objects.count() == 1


def test_profile_submission_updates_and_history_names_officer(org):
    ent = EnterpriseFactory(employees=10)
    sub = services.profile_submission_record(
        actor=org.officer1, enterprise=ent, submitted_on=timezone.localdate(), source="supplied",
        data={"employees": 250, "legal_representative": "Nguyễn Văn An"}, note="Mẫu 01/KTSTQ",
    )
    ent.refresh_from_db()
    assert ent.employees == 250 and ent.legal_representative == "Nguyễn Văn An"
    assert sub.officer == org.officer1 and sub.unit == org.kv01pt
    assert {c["field"]: (c["old"], c["new"]) for c in sub.changes}["employees"] == (10, 250)
    last = ent.history.order_by("-history_date").first()
    assert last.history_user == org.officer1
    assert last.history_change_reason.startswith("01/KTSTQ")
    assert last.prev_record.employees == 10 and last.employees == 250


def test_officer_anywhere_may_submit_but_analyst_may_not(org):
    ent = EnterpriseFactory(managing_unit=org.kv01)
    services.profile_submission_record(actor=org.officer2, enterprise=ent, submitted_on=timezone.localdate(),
                                       source="collected", data={"phone": "024 1234"})
    with pytest.raises(AppError) as exc:
        services.profile_submission_record(actor=org.analyst, enterprise=ent, submitted_on=timezone.localdate(),
                                           source="collected", data={"phone": "999"})
    assert exc.value.code == "forbidden"
    ent.refresh_from_db()
    assert ent.phone == "024 1234" and ProfileSubmission.objects.count() == 1


def test_officer_cannot_edit_risk_fields(org):
    ent = EnterpriseFactory(managing_unit=org.kv01pt)
    count = ent.history.count()
    with pytest.raises(AppError) as exc:
        services.enterprise_update(actor=org.officer1, enterprise=ent, values={"risk_class": 5})
    assert exc.value.code == "risk_fields_forbidden" and "risk_class" in exc.value.fields
    with pytest.raises(AppError) as exc:
        services.profile_submission_record(actor=org.officer1, enterprise=ent, submitted_on=timezone.localdate(),
                                           source="supplied", data={"compliance_level": 2})
    assert exc.value.code == "unknown_field"
    ent.refresh_from_db()
    assert ent.risk_class is None and ent.compliance_level is None and ent.history.count() == count
    services.enterprise_update(actor=org.risk_manager, enterprise=ent,
                               values={"risk_class": 5, "risk_reason": "Rủi ro trị giá"})
    ent.refresh_from_db()
    assert ent.risk_class == 5


def test_update_without_change_writes_no_history(org):
    ent = EnterpriseFactory(phone="1")
    count = ent.history.count()
    assert services.enterprise_update(actor=org.officer1, enterprise=ent, values={"phone": "1"}) == []
    assert ent.history.count() == count


def test_future_submission_refused(org):
    ent = EnterpriseFactory()
    with pytest.raises(AppError) as exc:
        services.profile_submission_record(actor=org.officer1, enterprise=ent,
                                           submitted_on=timezone.localdate() + timedelta(days=1),
                                           source="supplied", data={"phone": "1"})
    assert exc.value.code == "invalid_date" and ProfileSubmission.objects.count() == 0


def test_focus_list_selector_and_permissions(org):
    ent = EnterpriseFactory()
    with pytest.raises(AppError) as exc:
        services.focus_entry_add(actor=org.officer1, enterprise=ent, risk_area="VALUATION",
                                 valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), reason="x")
    assert exc.value.code == "forbidden" and FocusListEntry.objects.count() == 0
    services.focus_entry_add(actor=org.risk_manager, enterprise=ent, risk_area="VALUATION",
                             valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), reason="Rủi ro trị giá")
    assert selectors.is_on_focus_list(ent, date(2026, 6, 1), "VALUATION")
    assert selectors.is_on_focus_list(ent.tax_code, date(2026, 6, 1))
    assert not selectors.is_on_focus_list(ent, date(2026, 6, 1), "ORIGIN")
    assert not selectors.is_on_focus_list(ent, date(2027, 1, 1), "VALUATION")
    with pytest.raises(AppError) as exc:
        services.focus_entry_add(actor=org.risk_manager, enterprise=ent, risk_area="VALUATION",
                                 valid_from=date(2026, 3, 1), valid_to=None, reason="again")
    assert exc.value.code == "focus_overlap" and FocusListEntry.objects.count() == 1


def test_search_is_recorded_and_has_searched(org):
    ent = EnterpriseFactory(name="Công ty TNHH Hải Dương")
    since = timezone.now()
    assert not selectors.has_searched(org.officer1, ent.tax_code, since)
    services.search_and_record(actor=org.officer1, query="hai duong")
    log = EnterpriseSearch.objects.get()
    assert (log.user, log.unit, log.normalized_query, log.matched_count) == (org.officer1, org.kv01pt,
                                                                             "hai duong", 1)
    assert selectors.has_searched(org.officer1, ent.tax_code, since)
    assert not selectors.has_searched(org.officer2, ent.tax_code, since)


def test_sections_registry_and_enterprise_page(org, client):
    ent = EnterpriseFactory()
    register_section("test_section", "Test section", "enterprises/section_placeholder.html",
                     lambda request, e: {"section": SECTIONS["activity"]}, order=1)
    try:
        client.force_login(org.analyst)
        html = client.get(f"/enterprises/{ent.tax_code}/").content.decode()
    finally:
        SECTIONS.pop("test_section")
    for key in ["activity", "collections", "audits", "conclusions", "penalties"]:
        assert f'data-testid="section-{key}"' in html
    assert 'data-testid="section-test_section"' in html
