"""Audit rules as the law and the seed letter say them (issue 16), on real dates."""

from datetime import UTC, date, timedelta

import pytest

from stq.audits import rules
from stq.core.errors import AppError
from stq.declarations import partitions
from stq.declarations.models import Declaration
from stq.org.models import UnitKind
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _declaration(base_number, registered_on, office):
    partitions.ensure_months(registered_on, registered_on)  # PostgreSQL: the month's partition (the import's job)
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


# --- item 1: the Đ78.1 exception is for field audits only (LHQ 80.2b; LHQ 79.2) -----------------------------------
def test_desk_audit_on_violation_signs_keeps_the_notice_lhq_79_2_and_80_2b():
    """LHQ 80.2b: a field audit on signs of violation (Đ78.1) is handed over at the announcement; LHQ 79.2 gives a
    desk audit no such exception. Signed Fri 13/02/2026: the field audit may start that day, the desk audit on
    Fri 27/02/2026 at the earliest (5 working days, Tết 16–20/02 skipped)."""
    assert rules.earliest_start(date(2026, 2, 13), "78.1", "field") == date(2026, 2, 13)
    assert rules.earliest_start(date(2026, 2, 13), "78.1", "desk") == date(2026, 2, 27)
    with pytest.raises(AppError) as info:
        rules.check_start(date(2026, 2, 13), date(2026, 2, 13), "78.1", mode="desk")
    assert info.value.code == "start_too_early"
    rules.check_start(date(2026, 2, 13), date(2026, 2, 13), "78.1", mode="field")
    # delivered Thu 26/02 for a desk audit starting Fri 27/02: less than 5 working days' notice
    with pytest.raises(AppError) as info:
        rules.check_delivery(date(2026, 2, 13), date(2026, 2, 24), date(2026, 2, 27), "78.1", "desk")
    assert info.value.code == "delivery_too_close"
    rules.check_delivery(date(2026, 2, 13), date(2026, 2, 24), date(2026, 2, 27), "78.1", "field")


def test_desk_case_on_violation_signs_refused_without_notice_lhq_79_2(org):
    """LHQ 79.2: the service refuses a desk audit on 78.1 starting on the signing day, and its case must be
    delivered before it starts (no hand-over at the announcement)."""
    from .factories import approved, decision_values, past_working_day

    p = approved(org, mode="desk", ground="78.1")
    signed = past_working_day(10)
    from stq.audits import services

    with pytest.raises(AppError) as info:
        services.case_open(actor=org.officer1, proposal=p, **decision_values(signed, start_on=signed, duration=5))
    assert info.value.code == "start_too_early"


# --- item 4: recording within N days, counted by the one calendar function (letter 7301 §2.3, §2.4) ---------------
def test_decision_signed_before_tet_recorded_after_is_on_time_civil_code_148_5():
    """Letter 7301 §2.3 "trong vòng 01 ngày kể từ ngày ban hành Quyết định" with Civil Code 2015 art 148.5: signed
    Fri 13/02/2026, recorded Mon 23/02/2026 (after Tết) is on time; it was flagged 10 days late. Recorded Tue 24/02
    it is late. A conclusion (§2.4, 03 days) signed Wed 25/02/2026 may be recorded until Sat 28/02 → Mon 02/03."""
    assert rules.recording(date(2026, 2, 13), 1, date(2026, 2, 23)) == {"recording_delay_days": 10,
                                                                         "recorded_late": False}
    assert rules.recording(date(2026, 2, 13), 1, date(2026, 2, 24))["recorded_late"] is True
    assert rules.recording(date(2026, 2, 25), 3, date(2026, 3, 2))["recorded_late"] is False
    assert rules.recording(date(2026, 2, 25), 3, date(2026, 3, 3))["recorded_late"] is True


# --- item 6: priority to the unit that RECORDED first; what frees it (letter 7301 §2.2) ----------------------------
def test_the_unit_that_recorded_first_has_priority_letter_7301_2_2(org):
    """Letter 7301 §2.2: "căn cứ thời gian cập nhật đề xuất, đơn vị nào cập nhật đề xuất đầu tiên thì được ưu tiên
    phê duyệt". KV01-PT records first but submits after KV02-PT: KV02-PT's proposal cannot be approved meanwhile;
    KV01-PT's can."""
    from stq.audits.models import AuditProposal

    from .factories import act, enterprise, proposal

    ent = enterprise()
    first = proposal(org.officer1, org.kv01pt, ent)
    second = proposal(org.officer2, org.kv02pt, ent)
    second = act(org.officer2, second, "submit")
    first = act(org.officer1, first, "submit")
    assert second.filed_at < first.filed_at and first.created_at < second.created_at
    with pytest.raises(AppError) as info:
        act(org.approver2, second, "approve", "ok")
    assert info.value.code == "priority" and first.number in str(info.value.message)
    assert act(org.approver1, first, "approve", "ok").state == AuditProposal.State.APPROVED


def test_a_returned_proposal_holds_priority_for_five_working_days_only():
    """SEED B9.12: "a returned, suspended or cancelled proposal must not hold that priority for ever". Returned on
    Fri 13/02/2026, it still holds on Tue 24/02 (5 working days back is 10/02: Tết 16–20/02 is not counted) and no
    longer on Tue 03/03/2026."""
    from datetime import datetime

    from django.utils import timezone as tz

    returned = tz.make_aware(datetime(2026, 2, 13, 9, 0))
    assert rules.returned_priority_cutoff(date(2026, 2, 24)) <= returned
    assert rules.returned_priority_cutoff(date(2026, 3, 3)) > returned


def test_returned_long_ago_or_suspended_frees_the_priority(org):
    """A proposal returned on 13/02/2026 and never resubmitted, or a suspended one, no longer blocks the next unit."""
    from stq.audits.models import AuditProposal

    from .factories import act, enterprise, proposal

    ent = enterprise()
    first = act(org.officer1, proposal(org.officer1, org.kv01pt, ent), "submit")
    second = act(org.officer2, proposal(org.officer2, org.kv02pt, ent), "submit")
    first = act(org.approver1, first, "return", "Bổ sung căn cứ")
    with pytest.raises(AppError):  # just returned: it still holds the priority
        act(org.approver2, second, "approve", "ok")
    from datetime import datetime

    from django.utils import timezone as tz

    AuditProposal.objects.filter(pk=first.pk).update(returned_at=tz.make_aware(datetime(2026, 2, 13, 9, 0)))
    assert act(org.approver2, second, "approve", "ok").state == AuditProposal.State.APPROVED


# --- item 7: one proposal per enterprise per year is for field audits (letter 7301 §2.2) ---------------------------
def test_desk_audits_are_not_limited_to_one_per_year_letter_7301_2_2(org):
    """Letter 7301 §2.2 (audits "tại trụ sở người khai hải quan"): "Mỗi phiếu đề xuất là duy nhất trong cùng một
    năm" binds field-audit proposals; two desk audits of one enterprise in a year are approved, with the duplicate
    warning. A second field audit is refused, in the service and by the database."""
    from django.db import IntegrityError, transaction

    from stq.audits.models import AuditProposal

    from .factories import act, approved, enterprise, proposal

    ent = enterprise()
    desk1 = approved(org, ent, mode="desk")
    desk2 = act(org.officer2, proposal(org.officer2, org.kv02pt, ent, mode="desk"), "submit")
    assert desk2.duplicate_warning
    desk2 = act(org.approver2, desk2, "approve", "Nội dung khác")
    assert desk1.state == desk2.state == AuditProposal.State.APPROVED and desk1.year == desk2.year
    field1 = approved(org, ent)
    field2 = act(org.officer2, proposal(org.officer2, org.kv02pt, ent), "submit")
    with pytest.raises(AppError) as info:
        act(org.approver2, field2, "approve", "ok")
    assert info.value.code in ("already_approved", "priority")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditProposal.objects.filter(pk=field2.pk).update(state="approved", year=field1.year)


# --- item 8: recorded within 01 day of the paper approval (letter 7301 §2.2) ----------------------------------------
def test_proposal_recorded_late_after_its_paper_approval_letter_7301_2_2(org, monkeypatch):
    """Letter 7301 §2.2: "thực hiện cập nhật hệ thống trong vòng 01 ngày kể từ ngày được phê duyệt". Approved on
    paper Fri 13/02/2026 and recorded Mon 23/02 (after Tết, art 148.5): in time; approved Wed 11/02 and recorded
    Mon 23/02: late, 12 days."""
    from django.utils import timezone as tz

    from .factories import enterprise, proposal

    monkeypatch.setattr(tz, "localdate", lambda *a, **k: date(2026, 2, 23))
    ent = enterprise()
    on_time = proposal(org.officer1, org.kv01pt, ent, paper_approved_on=date(2026, 2, 13),
                       period_from=date(2024, 1, 1), period_to=date(2025, 12, 31), planned_start=date(2026, 3, 16))
    assert on_time.paper_approved_on == date(2026, 2, 13) and not on_time.recorded_late
    late = proposal(org.officer1, org.kv01pt, ent, paper_approved_on=date(2026, 2, 11),
                    period_from=date(2024, 1, 1), period_to=date(2025, 12, 31), planned_start=date(2026, 3, 16))
    assert late.recorded_late and late.recording_delay_days == 12
    with pytest.raises(AppError) as info:
        proposal(org.officer1, org.kv01pt, ent, paper_approved_on=date(2026, 2, 24),
                 period_from=date(2024, 1, 1), period_to=date(2025, 12, 31), planned_start=date(2026, 3, 16))
    assert info.value.code == "signed_in_future" and "paper_approved_on" in info.value.fields


def test_proposal_needs_its_paper_approval_date_letter_7301_2_2(org, monkeypatch):
    """Letter 7301 §2.2 "thực hiện cập nhật hệ thống trong vòng 01 ngày kể từ ngày được phê duyệt": recording the
    proposal is the step after its approval on paper, so the service and the API refuse one recorded on Mon
    23/02/2026 without the paper approval date, naming the field, and write nothing."""
    from django.utils import timezone as tz
    from rest_framework.test import APIClient

    from stq.audits.models import AuditProposal

    from .factories import enterprise, proposal

    monkeypatch.setattr(tz, "localdate", lambda *a, **k: date(2026, 2, 23))
    ent = enterprise()
    dates = dict(period_from=date(2024, 1, 1), period_to=date(2025, 12, 31), planned_start=date(2026, 3, 16))
    with pytest.raises(AppError) as info:
        proposal(org.officer1, org.kv01pt, ent, paper_approved_on=None, **dates)
    assert "paper_approved_on" in info.value.fields
    assert not AuditProposal.objects.filter(enterprise=ent).exists()
    client = APIClient()
    client.force_authenticate(org.officer1)
    body = {"unit": org.kv01pt.code, "enterprise": ent.tax_code, "mode": "field", "ground": "78.2",
            "risk_areas": ["VALUATION"], "reason": "Giá thấp", "declaration_numbers": [],
            **{k: str(v) for k, v in dates.items()}}
    r = client.post("/api/v1/audit-proposals/", body, format="json")
    assert r.status_code == 400 and "paper_approved_on" in str(r.data), r.data
    assert not AuditProposal.objects.filter(enterprise=ent).exists()
    r = client.post("/api/v1/audit-proposals/", {**body, "paper_approved_on": "2026-02-13"}, format="json")
    assert r.status_code == 201, r.data


# --- item 10: no overlap in time with a concluded audit of the last five years -------------------------------------
def test_overlap_with_a_concluded_audit_is_warned_and_needs_a_reason(org):
    """Domain A1.6 ("without overlap in either the enterprise or the time of the audit"): a new proposal whose period
    overlaps an audit concluded in the last five years is warned and submitted only with a reason; a period after
    the concluded audit's needs none."""
    from .factories import act, concluded, proposal, today

    case = concluded(org)
    earlier = case.proposal
    overlapping = proposal(org.officer2, org.kv02pt, case.enterprise, period_from=earlier.period_from,
                           period_to=earlier.period_to, declaration_numbers=["109999999990"])
    with pytest.raises(AppError) as info:
        act(org.officer2, overlapping, "submit")
    assert info.value.code == "note_required"
    overlapping = act(org.officer2, overlapping, "submit", "Dấu hiệu mới về xuất xứ sau kết luận")
    assert overlapping.duplicate_warning
    assert [d["number"] for d in overlapping.duplicates if d["kind"] == "concluded_audit"] == [case.number]
    later = proposal(org.officer2, org.kv02pt, case.enterprise, period_from=earlier.period_to + timedelta(days=1),
                     period_to=today(), declaration_numbers=["109999999991"])
    assert act(org.officer2, later, "submit").state == "submitted"


# --- item 9: decisions are recorded, then approved by a leader before they take effect (letter 7301 §1.3) -----------
def test_a_recorded_decision_takes_effect_only_when_a_leader_approves_it_letter_7301_1_3(org):
    """Letter 7301 §1.3: "Cập nhật và phê duyệt Quyết định KTSTQ và các Quyết định sửa đổi, bổ sung/Quyết định gia
    hạn/Quyết định hủy bỏ". The extension recorded by the officer changes nothing until a leader — not the officer —
    approves it through the workflow; a second decision waits for the first to be approved."""
    from stq.audits import services
    from stq.audits.models import AuditCase, AuditDecision
    from stq.core.errors import Conflict, Forbidden

    from .factories import in_fieldwork, today

    case = in_fieldwork(org)
    decision = services.decision_record(actor=org.officer1, case=case, kind="extension", number="3/QĐ-GH",
                                        signed_on=today(), signer_name="Trần Văn Ký", signer_title="Chi cục trưởng",
                                        extension_working_days=5)
    case.refresh_from_db()
    assert decision.approved_at is None and case.extension_working_days == 0
    assert case.pending_decision_kind == "extension"
    with pytest.raises(Conflict) as info:
        services.decision_record(actor=org.officer1, case=case, kind="suspension", number="4/QĐ-TD",
                                 signed_on=today(), signer_name="Trần Văn Ký", reason_code="investigation")
    assert info.value.code == "decision_pending"
    with pytest.raises(Forbidden):  # an officer cannot approve it
        services.decision_approve(actor=org.officer1b, case=case)
    case = services.decision_approve(actor=org.approver1, case=case)
    decision.refresh_from_db()
    assert case.extension_working_days == 5 and case.pending_decision_kind == ""
    assert decision.approved_by == org.approver1 and decision.approved_at is not None
    assert not [t for t in AuditCase.workflow.available(org.approver1, case)
                if t.action in ("amend", "extend", "suspend", "resume", "cancel")]  # nothing awaits approval now
    from django.db import IntegrityError, transaction

    AuditDecision.objects.create(case=case, kind="amendment", number="5/QĐ", signed_on=today(), signer_name="x",
                                 signer_title="y")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditDecision.objects.create(case=case, kind="amendment", number="6/QĐ", signed_on=today(),
                                     signer_name="x", signer_title="y")


def test_the_recorder_cannot_approve_their_own_decision(org):
    """The approving leader is never the one who recorded the decision (the engine's not_by)."""
    from stq.audits import services
    from stq.core.errors import Forbidden

    from .factories import in_fieldwork, today

    case = in_fieldwork(org)
    services.decision_record(actor=org.approver1, case=case, kind="cancellation", number="7/QĐ-HB",
                             signed_on=today(), signer_name="Trần Văn Ký", signer_title="Chi cục trưởng",
                             reason_code="dissolved", reason="Doanh nghiệp đã giải thể")
    with pytest.raises(Forbidden):
        services.decision_approve(actor=org.approver1, case=case)
    assert services.decision_approve(actor=org.leader_kv01, case=case).state == "cancelled"


def test_a_leader_returns_the_decision_awaiting_approval_letter_7301_1_3(org):
    """Letter 7301 §1.3 "Cập nhật và phê duyệt Quyết định KTSTQ và các Quyết định sửa đổi, bổ sung/Quyết định gia
    hạn/Quyết định hủy bỏ": approving includes refusing. A leader returns the recorded extension with a reason (a
    note is required; an officer cannot); it never takes effect, the case keeps its state, dates and deadline, and the
    officer records a corrected extension, which a leader then approves."""
    from stq.audits import services
    from stq.audits.models import AuditCase
    from stq.core.errors import Conflict, Forbidden

    from .factories import in_fieldwork, today

    case = in_fieldwork(org)
    before = (case.state, case.due_on, case.due_kind, case.extension_working_days)
    wrong = services.decision_record(actor=org.officer1, case=case, kind="extension", number="3/QĐ-GH",
                                     signed_on=today(), signer_name="Trần Văn Ký", signer_title="Chi cục trưởng",
                                     extension_working_days=10)
    case.refresh_from_db()
    assert "return_decision" in [t.action for t in AuditCase.workflow.available(org.approver1, case)]
    with pytest.raises(AppError) as info:
        services.case_act(actor=org.approver1, case=case, action="return_decision", note="")
    assert info.value.code == "note_required"
    with pytest.raises(Forbidden):
        services.case_act(actor=org.officer1b, case=case, action="return_decision", note="Sai số ngày")
    case = services.case_act(actor=org.approver1, case=case, action="return_decision",
                             note="Gia hạn tối đa theo đề nghị của đoàn là 5 ngày làm việc")
    wrong.refresh_from_db()
    assert wrong.returned_by == org.approver1 and wrong.approved_at is None
    assert (case.state, case.due_on, case.due_kind, case.extension_working_days) == before
    assert case.pending_decision_kind == ""
    assert case.events().filter(action="return_decision").exists()
    with pytest.raises(Conflict):  # nothing awaits approval any more
        services.decision_approve(actor=org.approver1, case=case)
    services.decision_record(actor=org.officer1, case=case, kind="extension", number="4/QĐ-GH", signed_on=today(),
                             signer_name="Trần Văn Ký", signer_title="Chi cục trưởng", extension_working_days=5)
    case = services.decision_approve(actor=org.approver1, case=AuditCase.objects.get(pk=case.pk))
    assert case.extension_working_days == 5 and case.state == before[0]


def test_the_audit_decision_takes_effect_only_when_a_leader_approves_it_letter_7301_1_3(org):
    """Letter 7301 §1.3 "Cập nhật và phê duyệt Quyết định KTSTQ": the audit decision signed Mon 02/11/2026 and
    recorded by the officer opens the case but takes effect only when a leader (never its recorder) approves it; the
    deadline to deliver runs from the signing meanwhile (3 working days: Thu 05/11/2026, Customs Law art 79.2/80.2,
    domain B9.4). Returned by the leader, the officer records the corrected decision signed Wed 04/11/2026 (deliver
    by Mon 09/11/2026), which a leader approves; only then is it delivered."""
    from stq.audits import services
    from stq.audits.models import AuditCase
    from stq.core.errors import Conflict, Forbidden

    from .factories import approved, decision_values, step

    p = approved(org)
    case = services.case_open(actor=org.officer1, proposal=p,
                              **decision_values(date(2026, 11, 2), start_on=date(2026, 11, 10)))
    original = case.decisions.get()
    assert original.approved_at is None and case.pending_decision_kind == "original"
    assert (case.state, case.due_kind, case.due_on) == ("decision_signed", "deliver_by", date(2026, 11, 5))
    assert "deliver" not in [t.action for t in AuditCase.workflow.available(org.officer1, case)]
    with pytest.raises(Conflict):
        step(org.officer1, case, "deliver", delivered_on=date(2026, 11, 3))
    with pytest.raises(Conflict) as info:  # nothing else is decided on a decision not in effect
        services.decision_record(actor=org.officer1, case=case, kind="suspension", number="4/QĐ-TD",
                                 signed_on=date(2026, 11, 3), signer_name="Trần Văn Ký", reason_code="investigation")
    assert info.value.code == "decision_pending"
    with pytest.raises(Forbidden):  # an officer does not approve it
        services.case_act(actor=org.officer1b, case=case, action="approve_decision")
    case = services.case_act(actor=org.approver1, case=case, action="return_decision",
                             note="Ngày ký trên quyết định ghi sai")
    original.refresh_from_db()
    assert original.returned_at and original.approved_at is None
    assert (case.state, case.due_on) == ("decision_signed", date(2026, 11, 5)) and case.pending_decision_kind
    with pytest.raises(Conflict):
        step(org.officer1, case, "deliver", delivered_on=date(2026, 11, 3))
    corrected = services.decision_record(actor=org.officer1, case=case, kind="original",
                                         **decision_values(date(2026, 11, 4), start_on=date(2026, 11, 12)))
    case.refresh_from_db()
    assert (case.decision_signed_on, case.planned_start_on) == (date(2026, 11, 4), date(2026, 11, 12))
    assert (case.due_kind, case.due_on) == ("deliver_by", date(2026, 11, 9))
    case = services.case_act(actor=org.approver1, case=case, action="approve_decision")
    corrected.refresh_from_db()
    assert corrected.approved_by == org.approver1 and case.pending_decision_kind == ""
    assert (case.due_kind, case.due_on) == ("deliver_by", date(2026, 11, 9))  # kept: it runs from the signing
    case = step(org.officer1, case, "deliver", delivered_on=date(2026, 11, 5))
    assert case.state == "delivered"
