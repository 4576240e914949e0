import datetime as dt

import pytest
from django.db import connection

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
    assert [c[:2] for c in feb_import.top_hs_chapters] == chapters
    profile = activity_profile(TAX_A)
    assert profile["totals"]["I"]["declarations"] + profile["totals"]["E"]["declarations"] == 12
    assert profile["first_on"] == dt.date(2025, 1, 13) and profile["last_on"] == dt.date(2025, 3, 21)


def test_dormant_enterprises_not_seen_for_365_days():
    do_import(fixture_rows())
    dormant = dormant_enterprises(dt.date(2025, 6, 1))
    assert [d["tax_code"] for d in dormant] == [TAX_B]
    assert [d["tax_code"] for d in dormant_enterprises(dt.date(2026, 4, 1))] == [TAX_B, TAX_A]
