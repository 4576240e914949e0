"""The peer-price table is bounded: the daily job deletes the prices older than the period the medians read
(``peer_prices.KEEP_DAYS`` before the newest declaration), and a longer period is recomputed from the lines."""

import datetime as dt

from django.core.management import call_command
from django.db import connection

from stq.declarations import peer_prices
from stq.declarations.models import PeerPrice
from stq.risk import criteria
from stq.risk.tasks import assess_risk_task
from tests.risk.test_peer_medians import DAY, imports  # noqa: F401 (the fixture)

KIND = criteria.get_kind("price_below_peer_median")


def rows(build, params, jobs):
    sql, args = build(KIND.validate(params), DAY, jobs)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) q ORDER BY declaration_id", args)
        return cursor.fetchall()


def test_the_daily_job_keeps_only_the_period_the_medians_read(imports, monkeypatch):  # noqa: F811
    newest = peer_prices.newest_date()
    assert newest == DAY
    monkeypatch.setattr(peer_prices, "KEEP_DAYS", 150)
    horizon = newest - dt.timedelta(days=150)
    dates = list(PeerPrice.objects.values_list("registered_on", flat=True))
    old = sum(d < horizon for d in dates)
    assert 0 < old < len(dates)
    assert peer_prices.covers(horizon) and not peer_prices.covers(horizon - dt.timedelta(days=1))
    short, long = {"ratio": 0.9, "min_peers": 2, "lookback_days": 120}, {"ratio": 0.9, "min_peers": 2,
                                                                         "lookback_days": 365}
    before = {name: rows(criteria._price_below_median_sql, p, imports) for name, p in (("s", short), ("l", long))}
    assert before["s"] and before["l"] != before["s"]

    result = assess_risk_task.call()  # the daily job
    assert result["peer_prices_pruned"] == old
    assert not PeerPrice.objects.filter(registered_on__lt=horizon).exists()
    assert PeerPrice.objects.count() == len(dates) - old
    # the kept period still reads the table; the longer one is recomputed from the lines, with the same rows
    assert criteria.P in criteria._price_below_median_sql(KIND.validate(short), DAY, imports)[0]
    assert criteria.P not in criteria._price_below_median_sql(KIND.validate(long), DAY, imports)[0]
    assert rows(criteria._price_below_median_sql, short, imports) == before["s"]
    assert rows(criteria._price_below_median_sql, long, imports) == before["l"]
    assert rows(criteria._price_below_median_recomputed, long, imports) == before["l"]


def test_the_command_prunes_too(imports, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setattr(peer_prices, "KEEP_DAYS", 150)
    call_command("assess_risk", "--skip-criteria")
    assert "peer prices:" in capsys.readouterr().out
    assert not PeerPrice.objects.filter(registered_on__lt=DAY - dt.timedelta(days=150)).exists()
    assert PeerPrice.objects.exists()
