"""The records behind each figure (within the user's policy scope), and layouts declared as data."""

import json
from datetime import date

import pytest

from stq.core.errors import Forbidden, NotFound
from stq.reports import builder, layout, selectors
from stq.reports.layout import LayoutError, parse

from .factories import M


def _drill(user, unit, period, table, column, row, form="19"):
    return selectors.drill_down(user, form=form, unit=unit, period=period, table=table, column=column, row=row)


def test_each_figure_lists_the_records_behind_it(org, q1, Q1):
    [group] = _drill(org.analyst, org.chq, Q1, "A", "tax_assessed", "unit:KV01")
    recs = builder.drill_rows(group)
    assert [r["number"] for r in recs] == [q1.a.number]
    assert sum(r["value"] for r in recs) == 110 * M
    [group] = _drill(org.analyst, org.chq, Q1, "A", "collected", "unit:KV02")
    assert sorted(r["value"] for r in builder.drill_rows(group)) == [30 * M, 40 * M]
    [group] = _drill(org.analyst, org.chq, Q1, "A", "field_decisions", "unit:KV01")
    assert {r["number"] for r in builder.drill_rows(group)} == {q1.b.number, q1.e.number}


def test_drill_of_a_derived_figure_shows_its_terms(org, q1, Q1):
    groups = _drill(org.analyst, org.chq, Q1, "A", "outstanding", "unit:KV01")
    assert [g.measure.name for g in groups] == ["tax_assessed", "late_interest", "fines", "collected"]
    total = sum(r["value"] for g in groups for r in builder.drill_rows(g))
    assert total == 25 * M  # the collected term is listed with a negative sign
    [rate] = _drill(org.analyst, org.chq, Q1, "A", "violation_rate", "total")
    assert rate.measure.name == "cases_with_violations" and rate.records.count() == 2


def test_drill_by_risk_area_row(org, q1, Q1):
    [group] = _drill(org.analyst, org.chq, Q1, "B", "collected", "area:VALUATION", form="20")
    assert sorted(r["value"] for r in builder.drill_rows(group)) == [40 * M, 110 * M]


def test_drill_is_limited_to_the_users_scope(org, q1, Q1):
    # officer1 may open the records of KV01-PT only: the same national cell shows only those
    [group] = builder.drill_down(layout.load("19"), unit=org.chq, period=Q1, table_key="A", column_key="collected",
                                 row_key="total", user=org.officer1)
    assert {r["unit"] for r in builder.drill_rows(group)} == {"KV01-PT"}
    with pytest.raises(Forbidden):  # and cannot open the national report at all
        _drill(org.officer1, org.chq, Q1, "A", "collected", "total")
    with pytest.raises(NotFound):
        _drill(org.analyst, org.chq, Q1, "A", "no_such_column", "total")


def test_who_sees_which_report(org):
    assert selectors.default_unit(org.analyst) == org.chq  # national view
    assert selectors.default_unit(org.leader_kv01) == org.kv01
    assert list(selectors.report_units(org.officer1)) == [org.kv01pt]
    assert not selectors.report_units(org.nobody).exists()
    assert not selectors.report_units(org.risk_manager).exists()
    with pytest.raises(NotFound):
        selectors.report_unit(org.officer2, "KV01-PT")


def _layout(**table):
    base = {"key": "T", "title": "t", "rows": {"kind": "units"},
            "columns": [{"key": "c", "label": "c", "measure": "decisions"}]}
    return {"form": "99", "title": "x", "tables": [{**base, **table}]}


@pytest.mark.parametrize("table, message", [
    ({"columns": [{"key": "c", "measure": "no_such_measure"}]}, "unknown measure"),
    ({"columns": [{"key": "c", "measure": "decisions", "filter": {"mode": "boat"}}]}, "mode='boat'"),
    ({"columns": [{"key": "c", "measure": "decisions", "filter": {"kind": "tax"}}]}, "does not apply"),
    ({"rows": {"kind": "weeks"}}, "rows.kind"),
    ({"columns": []}, "needs columns"),
])
def test_invalid_layouts_are_refused(table, message):
    with pytest.raises(LayoutError, match=message):
        parse(_layout(**table))


def test_builtin_layouts_are_valid():
    assert layout.forms() == ["19", "20"]
    assert [t.key for t in layout.load("19").tables] == ["A", "A2"]
    assert [t.key for t in layout.load("20").tables] == ["B"]


@pytest.mark.parametrize("form", ["x" * 300, "19.json", "21", ""])
def test_a_form_code_without_a_layout_file_is_unknown(form):
    """The code comes from the URL (`reports/form-<form>/`): an over-long one was an OSError (File name too long)."""
    with pytest.raises(LookupError):
        layout.load(form)


def test_a_report_page_of_an_overlong_form_code_is_404(client, org):
    client.force_login(org.analyst)
    assert client.get(f"/reports/form-{'x' * 300}/").status_code == 404


def test_a_layout_file_replaces_a_form_without_code_changes(org, q1, Q1, tmp_path, settings):
    official = {
        "form": "19", "version": 2, "title": {"vi": "Mẫu 19 (chính thức)"},
        "tables": [{"key": "X", "title": {"vi": "Bảng X"},
                    "rows": {"kind": "list", "items": [
                        {"key": "desk", "label": {"vi": "Tại trụ sở CQHQ"}, "filter": {"mode": "desk"}},
                        {"key": "field", "label": {"vi": "Tại trụ sở NKHQ"}, "filter": {"mode": "field"}}]},
                    "columns": [{"key": "n", "label": {"vi": "Số QĐ"}, "measure": "decisions"},
                                {"key": "paid", "label": {"vi": "Đã thu"}, "measure": "collected",
                                 "filter": {"kind": "tax"}}]}],
    }
    (tmp_path / "form19.json").write_text(json.dumps(official, ensure_ascii=False), encoding="utf-8")
    settings.STQ_REPORT_LAYOUT_DIR = str(tmp_path)
    assert layout.forms() == ["19"]
    report = selectors.form_report(org.analyst, form="19", unit=org.chq, period=Q1)
    fig = report.figures()["X"]["period"]
    assert fig == {"desk": {"n": 1, "paid": 180 * M}, "field": {"n": 3, "paid": 0}}
    assert report.title == "Mẫu 19 (chính thức)"
    assert date(2026, 1, 1) == report.tables[0].blocks[1].period.date_from
