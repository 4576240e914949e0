"""One round of risk on arrival computes the peer medians once (``criteria.shared_peer_medians``): the alerts and
the PRICE criterion read them from the round's table, with exactly the results of computing them for each."""

from django.db import connection

from stq.risk import criteria
from tests.risk.test_peer_medians import imports, round_result  # noqa: F401 (the fixture)


def round_table_exists():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.stq_round_peer_medians')")
        return cursor.fetchone()[0] is not None


def test_a_round_computes_the_medians_once_with_the_same_alerts_and_hits(imports, monkeypatch):  # noqa: F811
    alone = round_result(imports, True, monkeypatch)
    computed = []
    medians_sql = criteria._medians_sql
    monkeypatch.setattr(criteria, "_medians_sql", lambda *a, **k: computed.append(a[0]) or medians_sql(*a, **k))
    with criteria.shared_peer_medians(imports):
        shared = round_result(imports, True, monkeypatch)
        periods = set(criteria._round.periods)
    assert shared == alone
    assert shared[0] and shared[1]  # price alerts and PRICE hits found
    assert len(computed) == 1 and len(periods) == 1  # once for the alerts and the criterion
    assert not round_table_exists()
    monkeypatch.setattr(criteria, "_medians_sql", medians_sql)
    computed.clear()
    assert round_result(imports, True, monkeypatch) == alone  # outside a round: computed by each, as before


def test_imports_outside_the_round_are_not_read_from_its_table(imports):  # noqa: F811
    kind = criteria.get_kind("price_below_peer_median")
    params = kind.validate({"ratio": 0.9, "min_peers": 2, "lookback_days": 120})
    day = criteria.dt.date(2025, 11, 10)
    with criteria.shared_peer_medians(imports[:1]):
        sql, args = kind.sql(params, day, imports[:1])
        assert "stq_round_peer_medians" in sql and round_table_exists()
        other, _ = kind.sql(params, day, imports)  # not all in the round: its own medians
        assert "stq_round_peer_medians" not in other
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) q ORDER BY declaration_id", args)
            shared = cursor.fetchall()
        assert shared
    sql, args = kind.sql(params, day, imports[:1])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) q ORDER BY declaration_id", args)
        assert cursor.fetchall() == shared
