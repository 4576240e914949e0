"""Audit target lists: selection by score, exclusions, the exploration share under the 0.5 % cap, one unit per
enterprise and period, and turning a pick into an information collection."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from stq.core.errors import AppError, Conflict, Forbidden
from stq.declarations.layouts import synthetic_tax_code
from stq.enterprises.models import Enterprise
from stq.enterprises.services import focus_entry_add
from stq.risk import services
from stq.risk.models import EnterpriseRisk, PickKind, TargetPick
from stq.risk.targets import parse_period
from tests.collection.factories import areas, proposal
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 12, 1)
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # active in 2025: counts for the 2026 cap


def population(unit, n, *, prefix="ent", scored=10, start=0):
    """n enterprises managed by `unit`; the first `scored` get a target-class score 90, 89, …"""
    ents = Enterprise.objects.bulk_create([
        Enterprise(tax_code=synthetic_tax_code(f"{prefix}-{i}"), name=f"DN {prefix} {i}", managing_unit=unit,
                   created_at=CREATED)
        for i in range(start, start + n)])
    EnterpriseRisk.objects.bulk_create([
        EnterpriseRisk(tax_code=e.tax_code, enterprise=e, computed_on=TODAY, score=90 - i, probability=0.9,
                       impact=0.5, detectability=1, risk_class=6 if i < 5 else 5, classification="target",
                       reasons=[{"code": "never_audited", "weight": 0.5}])
        for i, e in enumerate(ents[:scored])])
    return ents


def picks(target_list, kind=None):
    qs = target_list.picks.select_related("enterprise")
    if kind:
        qs = qs.filter(kind=kind)
    return [p.enterprise.tax_code for p in qs.order_by("rank")]


def test_period_codes():
    assert parse_period("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert parse_period("2026-h2") == (dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    assert parse_period("2026-Q4") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    with pytest.raises(AppError):
        parse_period("2026-13")


def test_selection_by_score_with_every_exclusion(org):
    ents = population(org.kv01pt, 12)
    areas()
    proposal(org.officer1, org.kv01pt, ents[0])  # draft: not open yet, stays eligible
    collected = proposal(org.officer2, org.kv02pt, ents[1])  # another unit, submitted → excluded
    from tests.collection.factories import act

    act(org.officer2, collected, "submit")
    h.audit_case(ents[2], org.kv02pt, org.officer2, signed_on=dt.date(2024, 1, 10))  # open case (any unit)
    focus_entry_add(actor=org.risk_manager, enterprise=ents[3], risk_area="VALUATION", valid_from=dt.date(2025, 1, 1),
                    valid_to=None, reason="Trọng điểm", designating_unit=org.chq)
    h.audit_case(ents[4], org.kv01pt, org.officer1, signed_on=dt.date(2025, 6, 1), concluded_on=dt.date(2025, 7, 1),
                 violations=False, state="closed")  # audited 7 months before the period
    h.audit_case(ents[5], org.kv01pt, org.officer1, signed_on=dt.date(2024, 6, 1), concluded_on=dt.date(2024, 7, 1),
                 violations=True, state="closed")  # 19 months before: eligible again
    other = Enterprise.objects.create(tax_code="0100109106", name="DN KV II", managing_unit=org.kv02pt)
    EnterpriseRisk.objects.create(tax_code=other.tax_code, enterprise=other, computed_on=TODAY, score=99,
                                  probability=1, impact=1, detectability=1, risk_class=6, classification="target")

    tl = services.target_list_generate(actor=org.leader_kv01, unit=org.kv01, period="2026", capacity=5,
                                       exploration_share=0)
    assert picks(tl) == [ents[i].tax_code for i in (0, 5, 6, 7, 8)]  # by score, outside KV01's jurisdiction left out
    notes = {n["code"]: n for n in tl.notes}
    for code in ("open_collection", "open_audit", "focus_list", "audited_recently"):
        assert notes[f"excluded_{code}"]["n"] == 1, code
    first = tl.picks.get(rank=1)
    assert first.kind == PickKind.SCORE and first.reasons[0] == {"code": "rank", "rank": 1, "weight": 1}


def test_exploration_share_among_never_or_long_not_audited_within_the_cap(org):
    ents = population(org.kv01pt, 2000, scored=30)  # 2000 active enterprises → cap 10 compliance audits
    h.audit_case(ents[100], org.kv01pt, org.officer1, signed_on=dt.date(2024, 6, 1),
                 concluded_on=dt.date(2024, 7, 1), violations=False, state="closed")  # audited < 3 years ago
    tl = services.target_list_generate(actor=org.risk_manager, unit=org.kv01, period="2026", capacity=20,
                                       exploration_share=0.2, seed=42)
    scored, explored = picks(tl, PickKind.SCORE), picks(tl, PickKind.EXPLORATION)
    assert scored == [e.tax_code for e in ents[:16]]
    assert len(explored) == 4 and not set(explored) & set(scored)
    assert ents[100].tax_code not in explored
    assert all(p.reasons[0]["code"] == "exploration" for p in tl.picks.filter(kind=PickKind.EXPLORATION))
    again = services.target_list_generate(actor=org.risk_manager, unit=org.kv02, period="2026", capacity=5,
                                          exploration_share=0.2, seed=42)
    assert again.picks.count() == 0  # KV02 has no enterprise

    # the cap: 10 per year, 4 planned on KV01's list → at most 6 more on another list of 2026
    population(org.kv02pt, 50, prefix="kv2", scored=0)
    tl2 = services.target_list_generate(actor=org.risk_manager, unit=org.kv02pt, period="2026-Q1", capacity=40,
                                        exploration_share=0.5, seed=1)
    assert len(picks(tl2, PickKind.EXPLORATION)) == 6
    cap = next(n for n in tl2.notes if n["code"] == "compliance_cap")
    assert (cap["cap"], cap["planned"], cap["asked"]) == (10, 4, 20)


def test_exploration_is_random_but_reproducible_from_the_seed(org):
    population(org.kv01pt, 2000, scored=0)
    a = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period="2026-Q1", capacity=10,
                                      exploration_share=0.5, seed=7)
    explored = picks(a)
    a.delete()
    b = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period="2026-Q1", capacity=10,
                                      exploration_share=0.5, seed=7)
    assert picks(b) == explored and len(explored) == 5
    b.delete()
    c = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period="2026-Q1", capacity=10,
                                      exploration_share=0.5, seed=8)
    assert picks(c) != explored


def test_no_enterprise_on_two_units_lists_for_the_same_period(org):
    ents = population(org.kv01pt, 6)
    chq = services.target_list_generate(actor=org.risk_manager, unit=org.chq, period="2026", capacity=3,
                                        exploration_share=0)
    kv01 = services.target_list_generate(actor=org.risk_manager, unit=org.kv01, period="2026", capacity=3,
                                         exploration_share=0)
    assert not set(picks(chq)) & set(picks(kv01))
    assert picks(kv01) == [e.tax_code for e in ents[3:6]]
    q1 = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period="2026-Q1", capacity=6,
                                       exploration_share=0)
    assert q1.picks.count() == 0  # a quarter overlaps the year lists of the other units
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it too
        TargetPick.objects.create(target_list=kv01, period="2026", enterprise=ents[0], rank=9, kind="score")
    with pytest.raises(Conflict):
        services.target_list_generate(actor=org.risk_manager, unit=org.kv01, period="2026", capacity=3)


def test_who_may_ask_and_validation(org):
    with pytest.raises(Forbidden):
        services.target_list_generate(actor=org.officer1, unit=org.kv01pt, period="2026", capacity=3)
    with pytest.raises(Forbidden):
        services.target_list_generate(actor=org.approver1, unit=org.kv02pt, period="2026", capacity=3)
    with pytest.raises(AppError) as exc:
        services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period="2026", capacity=0)
    assert "capacity" in exc.value.fields


def test_a_pick_becomes_an_information_collection_once(org):
    population(org.kv01pt, 3)
    areas()
    tl = services.target_list_generate(actor=org.approver1, unit=org.kv01pt, period="2026", capacity=1,
                                       exploration_share=0)
    pick = tl.picks.get()
    case = services.pick_to_info_collection(actor=org.officer1, pick=pick)
    assert case.enterprise == pick.enterprise and case.unit == org.kv01pt and case.state == "draft"
    assert "2026" in case.signs and list(case.risk_areas.values_list("code", flat=True)) == ["VALUATION"]
    pick.refresh_from_db()
    assert pick.info_collection == case
    with pytest.raises(Conflict):
        services.pick_to_info_collection(actor=org.officer1, pick=pick)


def test_a_team_lists_the_enterprises_its_department_manages(org):
    """Enterprises are managed by the department (KV01); its team KV01-PT audits them, so the team's list finds
    them (it found 0 where KV01 found 143). A sibling team's own enterprises and another department's stay out."""
    from tests.factories import UnitFactory

    sibling = UnitFactory(code="KV01-NB", name="Hải quan cửa khẩu Nội Bài", parent=org.kv01)
    managed = population(org.kv01, 4, prefix="kv01")
    sibling_own = population(sibling, 2, prefix="nb")
    population(org.kv02, 2, prefix="kv02")
    team_own = population(org.kv01pt, 1, prefix="pt")

    tl = services.target_list_generate(actor=org.approver1, unit=org.kv01pt, period="2026", capacity=20,
                                       exploration_share=0)
    assert set(picks(tl)) == {e.tax_code for e in managed + team_own}
    assert {n["code"]: n for n in tl.notes}["jurisdiction"]["n"] == 5
    assert not set(picks(tl)) & {e.tax_code for e in sibling_own}

    department = services.target_list_generate(actor=org.leader_kv01, unit=org.kv01, period="2026-Q1", capacity=20,
                                               exploration_share=0)
    assert {n["code"]: n for n in department.notes}["jurisdiction"]["n"] == 7  # the whole subtree, KV02 left out
