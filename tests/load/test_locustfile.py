"""The load test of issue #10 cannot rot: a tiny data set from benchmarks/load/fill.py, gunicorn started the way
benchmarks/load/run.py starts it (production settings), the locustfile's three user classes for a few seconds, then
the run's own checks: no failed request, no server error, and every successful workflow action stored once as a
case event and once as a history row. Needs the `load` extra (locust)."""

import socket

import pytest
from benchmarks.load import fill, run
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_locustfile_runs_clean_and_loses_no_write(tmp_path):
    fill.organisation(2)
    fill.enterprises(600)
    fill.workflow_objects(60, 6)
    fill.declarations(2000)
    db = connection.settings_dict
    db_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # local-memory cache (nothing outside the repository); static files from the source folders (no collectstatic)
    env = run.server_env(db_url, tmp_path / "var", {"STQ_STATIC_FROM_SOURCE": "1"})

    result = run.run(db_url, tmp_path, env, users=8, spawn_rate=8, duration="12s", workers=1, threads=4,
                     port=_free_port(), locust_env={"LOAD_OFFICERS_PER_TEAM": "2", "LOAD_LEADERS": "2",
                                                    "LOAD_THINK": "0.05", "LOAD_SETTLE": "1"}, collectstatic=False)

    assert result["ramp_rows"], "the steady state never started (ramp.json missing)"
    names = {r["name"] for r in result["rows"] + result["ramp_rows"]}  # sign-ins are in the ramp-up
    assert {"/login/ [POST]", "/enterprises/?q=", "/reports/form-[n]/?unit=&period=",
            "/api/v1/audit-proposals/[id]/actions/ [POST]"} <= names  # officers, leaders and the analyst all ran
    assert result["total"]["requests"] > 10 and result["total"]["requests"] + result["ramp_total"]["requests"] > 50
    assert result["total"]["failures"] == 0, (tmp_path / "stats_failures.csv").read_text()
    assert result["ramp_total"]["failures"] == 0, result["ramp_errors"]
    assert result["server_errors"] == []
    assert result["writes"], "no workflow action was taken"
    assert result["problems"] == []
    assert result["writes"] == result["events"] == result["history"]
    assert result["ok"]
