"""An import whose worker died stays "running" no more: the live importer holds its job's session lock, and the
sweep marks "crashed" the running jobs whose lock nobody holds (PostgreSQL)."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from stq.core import locks
from stq.declarations import importer
from stq.declarations.models import ImportJob, ImportStatus
from stq.declarations.services import sweep_abandoned_imports

from .helpers import do_import, row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL"),
]


def other_session():
    """A second database session: the process of another worker."""
    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"],
                           password=s["PASSWORD"] or None, dbname=s["NAME"], autocommit=True)


def running_job(name: str) -> ImportJob:
    job = do_import([row(number=f"1000000{len(name):04d}10")], name=name)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, finished_at=None)
    return ImportJob.objects.get(pk=job.pk)


def test_the_importer_holds_its_jobs_lock_while_it_runs(monkeypatch):
    seen = {}
    merge = importer.merge

    def observe(job, stage, parallel=False):
        seen["held"] = locks.is_held(*importer.job_lock(job.pk))
        return merge(job, stage, parallel)

    monkeypatch.setattr(importer, "merge", observe)
    job = do_import([row()])
    assert job.status == ImportStatus.SUCCEEDED
    assert seen["held"] is True
    assert locks.is_held(*importer.job_lock(job.pk)) is False  # released at the end


def test_a_running_job_whose_worker_is_gone_is_marked_crashed_and_a_live_one_is_left_alone():
    gone, alive = running_job("gone.csv"), running_job("alive.csv")
    name, key = importer.job_lock(alive.pk)
    with other_session() as worker:
        worker.execute("SELECT pg_advisory_lock(hashtext(%s), %s)", [name, key])  # the live importer
        assert sweep_abandoned_imports() == [gone.pk]
        gone.refresh_from_db()
        alive.refresh_from_db()
        assert gone.status == ImportStatus.CRASHED and gone.finished_at and "stopped" in gone.message
        assert alive.status == ImportStatus.RUNNING
    # that worker's connection ended (the process died): its job is swept next time, by the command
    call_command("sweep_imports", stdout=__import__("io").StringIO())
    alive.refresh_from_db()
    assert alive.status == ImportStatus.CRASHED
    assert sweep_abandoned_imports() == []  # finished jobs are never touched
