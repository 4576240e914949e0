import datetime as dt

import pytest
from django.db import connection

from stq.declarations import activity
from stq.declarations.models import ActivityMonth
from stq.declarations.selectors import activity_profile, dormant_enterprises

from .helpers import TAX_A, TAX_B, do_import, row

pytestmark = pytest.mark.django_db


def fixture_rows():
    rows = []
    for i in range(1, 13):
        day = f"2025-{(i % 3) + 1:02d}-{10 + i:02d}"
        flow = "E" if i % 4 == 0 else "I"
        for line in (1, 2):
            rows.append(row(number=f"1{i:010d}0", registered_on=day, flow=flow, channel=str(1 + i % 3),
                            procedure_type="A11" if i % 2 else "E31", customs_value=str(1000 * i),
                            line_no=str(line), hs_code="85423100" if line == 1 else "54075200",
                            origin_country="CN" if i % 2 else "KR", line_customs_value=str(400 * i * line),
                            import_duty=str(10 * i), vat=str(line)))
    rows.append(row(number="300000000990", registered_on="2023-05-05", importer_exporter_tax_code=TAX_B))
    return rows


def test_profile_equals_direct_sql_counts():
    assert do_import(fixture_rows()).status == "succeeded"
    with connection.cursor() as c:
        c.execute("""SELECT flow, COUNT(*), SUM(customs_value), SUM(total_tax),
                            SUM(CASE WHEN channel = 3 THEN 1 ELSE 0 END)
                     FROM declarations_declaration WHERE importer_exporter_tax_code = %s
                     AND registered_on >= '2025-02-01' AND registered_on < '2025-03-01' GROUP BY flow ORDER BY flow""",
                  [TAX_A])
        expected = c.fetchall()
        c.execute("""SELECT SUBSTR(l.hs_code, 1, 2), SUM(l.customs_value) FROM declarations_declarationline l
                     JOIN declarations_declaration d ON d.id = l.declaration_id
                     WHERE d.importer_exporter_tax_code = %s AND d.flow = 'I'
                     AND d.registered_on >= '2025-02-01' AND d.registered_on < '2025-03-01'
                     GROUP BY 1 ORDER BY 2 DESC""", [TAX_A])
        chapters = [list(r) for r in c.fetchall()]
    got = [(a.flow, a.declarations, a.value, a.taxes, a.channel_red)
           for a in ActivityMonth.objects.filter(tax_code=TAX_A, month=dt.date(2025, 2, 1)).order_by("flow")]
    assert got == [tuple(r) for r in expected]
    feb_import = ActivityMonth.objects.get(tax_code=TAX_A, month=dt.date(2025, 2, 1), flow="I")
    assert feb_import.top_hs_chapters == dict(chapters)  # the full map, every chapter
    profile = activity_profile(TAX_A)
    assert profile["totals"]["I"]["declarations"] + profile["totals"]["E"]["declarations"] == 12
    assert profile["first_on"] == dt.date(2025, 1, 13) and profile["last_on"] == dt.date(2025, 3, 21)


def test_dormant_enterprises_not_seen_for_365_days():
    do_import(fixture_rows())
    dormant = dormant_enterprises(dt.date(2025, 6, 1))
    assert [d["tax_code"] for d in dormant] == [TAX_B]
    assert [d["tax_code"] for d in dormant_enterprises(dt.date(2026, 4, 1))] == [TAX_B, TAX_A]


def snapshot():
    return sorted(
        (a.tax_code, a.month, a.flow, a.declarations, a.lines, a.value, a.taxes, a.channel_green, a.channel_yellow,
         a.channel_red, a.procedure_types, a.top_hs_chapters, a.top_origins, a.first_on, a.last_on)
        for a in ActivityMonth.objects.all()
    )


def test_sequential_imports_and_replacement_equal_a_full_recompute():
    assert do_import(fixture_rows()).status == "succeeded"
    # a second file: more declarations in the same (enterprise, month) pairs, a new month, a new procedure and chapter
    second = [row(number=f"2{i:010d}0", registered_on=f"2025-0{1 + i % 4}-0{1 + i}", flow="I", channel="3",
                  procedure_type="B11" if i % 2 else "A11", customs_value=str(700 + i), line_no=str(line),
                  hs_code="03021100" if line == 1 else "85423100", origin_country="JP",
                  line_customs_value=str(300 + i), import_duty=str(i), vat="5")
              for i in range(1, 7) for line in (1, 2)]
    assert do_import(second, name="second.csv").status == "succeeded"
    incremental = snapshot()
    # a revision replacing declarations: one moves to another month and enterprise, one changes its value
    third = [row(number="100000000011", registered_on="2025-05-20", importer_exporter_tax_code=TAX_B,
                 customs_value="5", line_customs_value="5", hs_code="27101943"),
             row(number="200000000021", registered_on="2025-03-03", customs_value="9", line_customs_value="9")]
    job = do_import(third, name="third.csv")
    assert job.status == "succeeded" and job.declarations_replaced == 2
    incremental_after = snapshot()
    assert incremental_after != incremental
    activity.rebuild_all(orm=True)  # the exact recompute from the declarations (ORM path)
    assert snapshot() == incremental_after
    activity.rebuild_all()  # the SQL full recompute on PostgreSQL gives the same
    assert snapshot() == incremental_after
    assert not ActivityMonth.objects.filter(tax_code=TAX_A, month="2025-02-01", flow="I").filter(
        top_hs_chapters__has_key="27").exists()
    assert ActivityMonth.objects.get(tax_code=TAX_B, month="2025-05-01").top_hs_chapters == {"27": 5}
