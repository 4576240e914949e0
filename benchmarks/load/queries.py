"""Queries per page of the load test's requests (issue #20 item 5: where the time goes), on the load data set.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_load .venv/bin/python benchmarks/load/queries.py

Signs in (without a password: the test client's `force_login`) as one officer and the leader of team KV01-PT and
as the national analyst of `fill.py`, requests each read endpoint of `locustfile.py` twice (the second time warm:
the cached layout and reference data are what a user in the steady state meets), and prints per endpoint the
queries of the warm request and its server time. Reads only: the data set is left as it is.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
os.environ.setdefault("STQ_DEBUG", "0")
os.environ.setdefault("STQ_SECRET_KEY", "load-test-only-not-secret-" + "x" * 30)
os.environ.setdefault("STQ_ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

TEAM = "KV01-PT"


def endpoints() -> list[tuple[str, str, str]]:
    """(user, name as in the locust table, path) — the ids and codes taken from the data set."""
    from stq.audits.models import AuditCase, AuditProposal
    from stq.collection.models import InfoCollection
    from stq.declarations.models import Declaration

    case = AuditCase.objects.filter(unit__code=TEAM).order_by("id").first()
    proposal = AuditProposal.objects.filter(unit__code=TEAM).order_by("id").first()
    collection = InfoCollection.objects.filter(unit__code=TEAM).order_by("id").first()
    busy = Declaration.objects.order_by("-registered_on").values_list("importer_exporter_tax_code", flat=True)[0]
    officer, leader = f"load.o.{TEAM.lower()}.0", f"load.l.{TEAM.lower()}"
    return [
        (leader, "/ (my work)", "/"),
        (officer, "/enterprises/?q=", "/enterprises/?q=thuong+mai"),
        (officer, "/api/v1/enterprises/?q=", "/api/v1/enterprises/?q=thuong+mai"),
        (officer, "/enterprises/[tax_code]/", f"/enterprises/{busy}/"),
        (officer, "/api/v1/enterprises/[tax_code]/", f"/api/v1/enterprises/{busy}/"),
        (officer, "/declarations/?tax_code=&date_from=&date_to=",
         f"/declarations/?tax_code={busy}&date_from=2026-01-01&date_to=2026-03-31"),
        (officer, "/api/v1/declarations/?tax_code=&from=&to=",
         f"/api/v1/declarations/?tax_code={busy}&from=2026-01-01&to=2026-03-31"),
        (officer, "/audits/?unit=", f"/audits/?unit={TEAM}"),
        (officer, "/api/v1/audit-cases/?unit=", f"/api/v1/audit-cases/?unit={TEAM}"),
        (officer, "/audits/[id]/", f"/audits/{case.pk}/"),
        (officer, "/api/v1/audit-cases/[id]/", f"/api/v1/audit-cases/{case.pk}/"),
        (officer, "/audits/proposals/?unit=", f"/audits/proposals/?unit={TEAM}"),
        (officer, "/api/v1/audit-proposals/?unit=", f"/api/v1/audit-proposals/?unit={TEAM}"),
        (officer, "/audits/proposals/[id]/", f"/audits/proposals/{proposal.pk}/"),
        (officer, "/collection/?unit=", f"/collection/?unit={TEAM}"),
        (officer, "/api/v1/info-collections/?unit=", f"/api/v1/info-collections/?unit={TEAM}"),
        (officer, "/collection/[id]/", f"/collection/{collection.pk}/"),
        ("load.analyst", "/reports/form-[n]/?unit=&period= (19)", "/reports/form-19/?unit=CHQ&period=2026"),
        ("load.analyst", "/reports/form-[n]/?unit=&period= (20)", "/reports/form-20/?unit=CHQ&period=2026"),
        ("load.analyst", "/api/v1/reports/form-[n]/?format=xlsx (19)",
         "/api/v1/reports/form-19/?unit=CHQ&period=2026&format=xlsx"),
    ]


def main() -> int:
    from django.contrib.auth import get_user_model

    clients: dict[str, Client] = {}
    print("| endpoint | user | status | queries (warm) | server ms (warm) |")
    print("|---|---|---:|---:|---:|")
    for username, name, path in endpoints():
        if username not in clients:
            clients[username] = Client(HTTP_ACCEPT_LANGUAGE="vi")
            clients[username].force_login(get_user_model().objects.get(username=username))
        client = clients[username]
        client.get(path)  # cold: caches filled
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = client.get(path)
            ms = 1000 * (time.perf_counter() - t0)
        print(f"| `{name}` | {username} | {response.status_code} | {len(queries)} | {ms:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
