"""The backup procedure, run for real: pg_dump → restore into a scratch database → row counts compared."""

import os
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from .conftest import database_url

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _run(args, **env):
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "DATABASE_URL": database_url(), **env})


def test_backup_restores_with_identical_row_counts(org, postgres_tools):
    scratch = f"{connection.settings_dict['NAME']}_restore_check"
    result = _run(["scripts/check-backup.sh", "--scratch", scratch])
    assert result.returncode == 0, result.stderr
    assert "backup check OK" in result.stdout
    tables = int(result.stdout.split("OK: ")[1].split()[0])
    assert tables > 20  # every app's tables, not an empty dump


def test_a_restore_that_differs_is_reported(org, postgres_tools, tmp_path):
    made = _run(["scripts/backup.sh", str(tmp_path)], STQ_MEDIA_ROOT="")
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip().splitlines()[-1])
    counts = dump.with_suffix(".counts.tsv")
    lines = counts.read_text().splitlines()
    assert "org_user\t13" in lines  # the org fixture's users, counted in the dump's snapshot
    counts.write_text("\n".join("org_user\t14" if line == "org_user\t13" else line for line in lines) + "\n")
    scratch = f"{connection.settings_dict['NAME']}_restore_bad"
    checked = _run(["scripts/check-backup.sh", "--dump", str(dump), "--scratch", scratch])
    assert checked.returncode == 1 and "org_user" in checked.stderr and "FAILED" in checked.stderr
    dropped = subprocess.run(["psql", "-X", "-q", database_url("postgres"), "-c", f'DROP DATABASE "{scratch}"'],
                             capture_output=True, text=True)
    assert dropped.returncode == 0, dropped.stderr


def test_restore_refuses_without_explicit_replace(postgres_tools, tmp_path):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"")
    refused = _run(["scripts/restore.sh", str(dump), database_url("whatever")])
    assert refused.returncode == 2 and "--replace" in refused.stderr
