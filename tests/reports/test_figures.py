"""Exact figures of forms 19 and 20 on a fixture of cases built in the test; aggregation up the unit tree."""

from datetime import date
from decimal import Decimal

from stq.reports.builder import build_report
from stq.reports.periods import Period, named_period

from .factories import M, payment


def rows(report, table="A", block="period"):
    return report.figures()[table][block]


def test_form19_table_a_exact_figures(org, q1, form19, Q1):
    fig = rows(build_report(form19, unit=org.chq, period=Q1, user=org.analyst))
    assert list(fig) == ["own:CHQ", "unit:KV01", "unit:KV02", "total"]
    kv01, kv02, total = fig["unit:KV01"], fig["unit:KV02"], fig["total"]
    assert kv01 == {
        "desk_decisions": 1, "desk_completed": 1, "field_decisions": 2, "field_completed": 1,
        "ground_78_1": 1, "ground_78_2": 2, "ground_78_3": 0, "violations": 1, "violation_rate": "50.0",
        "tax_assessed": 110 * M, "fines": 20 * M, "late_interest": 5 * M, "collected": 110 * M,
        "outstanding": 25 * M,
    }
    assert kv02 == {
        "desk_decisions": 0, "desk_completed": 1, "field_decisions": 1, "field_completed": 0,
        "ground_78_1": 1, "ground_78_2": 0, "ground_78_3": 0, "violations": 1, "violation_rate": "100.0",
        "tax_assessed": 50 * M, "fines": 0, "late_interest": 0, "collected": 70 * M, "outstanding": 20 * M,
    }
    assert total["violation_rate"] == "66.7"  # 2 of 3, from the summed counts, never an average of rates
    # collected in the period exceeds the period's assessments (a 2025 assessment paid in February)
    assert total["collected"] == 180 * M > total["tax_assessed"] == 160 * M
    assert total["outstanding"] == 45 * M
    assert fig["own:CHQ"]["desk_decisions"] == 0


def test_parent_is_the_sum_of_its_children(org, q1, form19, Q1):
    national = build_report(form19, unit=org.chq, period=Q1, user=org.analyst)
    for table in ("A", "A2"):
        fig = rows(national, table)
        for col, value in fig["total"].items():
            if col == "violation_rate":
                continue
            assert value == sum(r[col] for key, r in fig.items() if key != "total"), col
    # the KV01 row of the national report equals the total of KV01's own report (KV01 + KV01-PT)
    kv01 = build_report(form19, unit=org.kv01, period=Q1, user=org.analyst)
    assert rows(kv01)["total"] == rows(national)["unit:KV01"]
    assert list(rows(kv01)) == ["own:KV01", "unit:KV01-PT", "total"]
    assert rows(kv01)["own:KV01"]["field_decisions"] == 1  # the legacy case recorded at KV01 itself
    team = build_report(form19, unit=org.kv01pt, period=Q1, user=org.analyst)
    assert list(rows(team)) == ["total"] and rows(team)["total"]["tax_assessed"] == 110 * M


def test_form19_table_a2_collections_and_overdue(org, q1, form19, Q1):
    fig = rows(build_report(form19, unit=org.chq, period=Q1, user=org.analyst), "A2")
    assert fig["unit:KV01"] == {"collections_opened": 1, "collections_closed": 1, "overdue_items": 0}
    # 30/03 23:30 counts in March; 01/04 00:30 local (still 31/03 in UTC) does not
    assert fig["unit:KV02"] == {"collections_opened": 1, "collections_closed": 0, "overdue_items": 2}


def test_later_payment_counts_in_its_own_period(org, q1, form19):
    q2 = rows(build_report(form19, unit=org.chq, period=named_period("2026-Q2"), user=org.analyst))
    assert q2["unit:KV01"]["collected"] == 20 * M  # the April fine payment
    assert q2["unit:KV01"]["tax_assessed"] == 0
    assert q2["unit:KV01"]["outstanding"] == 5 * M  # 25 M − 20 M
    assert q2["unit:KV02"]["outstanding"] == 20 * M


def test_month_period_and_year_to_date_block(org, q1, form19):
    report = build_report(form19, unit=org.chq, period=named_period("2026-03"), user=org.analyst)
    month, ytd = rows(report), rows(report, block="ytd")
    assert month["total"]["collected"] == 110 * M
    assert ytd["total"]["collected"] == 180 * M
    assert report.tables[0].blocks[1].period == Period(date(2026, 1, 1), date(2026, 3, 31), "ytd")
    rng = build_report(form19, unit=org.chq, period=Period(date(2026, 2, 1), date(2026, 2, 28)), user=org.analyst)
    assert rows(rng)["total"]["collected"] == 40 * M and rows(rng)["total"]["tax_assessed"] == 110 * M


def test_form20_by_risk_area_rows_add_up(org, q1, form20, Q1, form19):
    report = build_report(form20, unit=org.chq, period=Q1, user=org.analyst)
    fig = rows(report, "B")
    assert fig["area:VALUATION"] == {"cases": 1, "declarations": 3, "violations": 1, "tax_assessed": 110 * M,
                                     "fines": 20 * M, "collected": 150 * M}
    assert fig["area:ORIGIN"] == {"cases": 1, "declarations": 2, "violations": 0, "tax_assessed": 0, "fines": 0,
                                  "collected": 0}
    assert fig["area:CLASSIFICATION"]["tax_assessed"] == 50 * M
    assert "area:-" not in fig  # every case has a risk area: no "no risk area" row
    for col, value in fig["total"].items():
        assert value == sum(r[col] for key, r in fig.items() if key != "total"), col
    a = rows(build_report(form19, unit=org.chq, period=Q1, user=org.analyst))["total"]
    assert fig["total"]["tax_assessed"] == a["tax_assessed"] and fig["total"]["collected"] == a["collected"]
    assert fig["total"]["cases"] == a["desk_completed"] + a["field_completed"]


def test_same_report_twice_gives_the_same_figures_and_changes_follow_the_records(org, q1, form19, Q1):
    first = build_report(form19, unit=org.chq, period=Q1, user=org.analyst).figures()
    assert build_report(form19, unit=org.chq, period=Q1, user=org.analyst).figures() == first
    payment(q1.d, date(2026, 3, 31), 7 * M)
    after = build_report(form19, unit=org.chq, period=Q1, user=org.analyst).figures()
    assert after["A"]["period"]["unit:KV02"]["collected"] == 77 * M
    assert after["A"]["period"]["unit:KV02"]["outstanding"] == 13 * M


def test_percent_is_none_without_completed_cases(org, form19, Q1):
    fig = rows(build_report(form19, unit=org.chq, period=Q1, user=org.analyst))
    assert fig["total"]["violation_rate"] is None
    assert fig["total"]["tax_assessed"] == 0
    assert isinstance(build_report(form19, unit=org.chq, period=Q1).tables[0].blocks[0].rows[0].values["fines"], int)


def test_ratio_rounds_half_up():
    from stq.reports.measures import RatioMeasure

    assert RatioMeasure.combine(1, 8) == Decimal("12.5")
    assert RatioMeasure.combine(2, 3) == Decimal("66.7")
    assert RatioMeasure.combine(1, 0) is None


def test_supplementary_conclusion_adds_to_the_original(org, q1, form19):
    from .factories import conclude

    conclude(q1.a, date(2026, 5, 4), supplementary=True, violations=True,
             findings=[("VALUATION", {"import_duty": 10 * M, "late_interest": 1 * M})])
    q2 = rows(build_report(form19, unit=org.chq, period=named_period("2026-Q2"), user=org.analyst))
    assert q2["unit:KV01"]["tax_assessed"] == 10 * M and q2["unit:KV01"]["late_interest"] == 1 * M
    assert q2["unit:KV01"]["outstanding"] == 16 * M  # 25 M + 11 M − 20 M paid in April
    assert q2["unit:KV01"]["desk_completed"] == 0  # completion is dated by the case, counted once
