"""Writes of the declarations app: creating and starting import jobs."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stq.core import uploads
from stq.core.errors import AppError, Forbidden

from .importer import count_rows
from .models import ImportFormat, ImportJob, ImportStatus
from .policy import may


def _sha256_and_rows(fileobj) -> tuple[str, int]:
    """The SHA-256 and the number of data rows, in one pass over the file."""
    digest = hashlib.sha256()
    fileobj.seek(0)
    rows = count_rows(fileobj, digest)
    fileobj.seek(0)
    return digest.hexdigest(), rows


def import_job_create(*, actor, file, fmt: str = ImportFormat.STQ, dry_run: bool = False,
                      enqueue: bool = True) -> ImportJob:
    """Store the uploaded file under a server-chosen name and queue its import.

    A file whose SHA-256 was already imported successfully is not imported again: the job is recorded as
    ``skipped`` with a pointer to the earlier job (re-import is a no-op)."""
    if actor is not None and not may(actor, "declarations.import"):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    if fmt not in ImportFormat.values:
        raise AppError("invalid_format", _("Unknown file format."), field="format")
    if file is None or not getattr(file, "size", 1):
        raise AppError("empty_file", _("Choose a non-empty CSV file."), field="file")
    uploads.require(file, uploads.IMPORTS)
    checksum, rows = _sha256_and_rows(file)
    with transaction.atomic():
        earlier = ImportJob.objects.filter(sha256=checksum, dry_run=False, status=ImportStatus.SUCCEEDED).first()
        job = ImportJob(sha256=checksum, format=fmt, dry_run=dry_run, created_by=actor, rows_total=rows,
                        original_name=(getattr(file, "name", "") or "")[:255].rsplit("/", 1)[-1])
        if earlier is not None and not dry_run:
            job.status = ImportStatus.SKIPPED
            job.duplicate_of = earlier
            job.rows_total = job.rows_done = earlier.rows_total
        job.file.save("upload.csv", file, save=False)
        job.save()
        if enqueue and job.status == ImportStatus.QUEUED:
            from .tasks import import_declarations_task

            transaction.on_commit(lambda: import_declarations_task.enqueue(job.pk))
    return job


def sweep_abandoned_imports() -> list[int]:
    """Mark "crashed" the import jobs left "running" by a worker that is gone: a live importer holds its job's
    session lock for as long as it runs (``importer.job_lock``) and PostgreSQL lets go of it when the process or
    its connection dies. Run by the regular jobs (``sweep_imports``, the broker consumer at start and when idle).
    Returns the ids of the jobs marked. (Not on SQLite, where a lock cannot tell: nothing is marked there.)"""
    from django.utils import timezone

    from stq.core import locks

    from .importer import job_lock

    swept = []
    for job in ImportJob.objects.filter(status=ImportStatus.RUNNING):
        if locks.is_held(*job_lock(job.pk)) is not False:
            continue
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status != ImportStatus.RUNNING:  # finished meanwhile
                continue
            job.status = ImportStatus.CRASHED
            job.message = ("The worker running this import stopped before it finished (no process holds the "
                           "job's lock); import the file again.")
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "message", "finished_at"])
            swept.append(job.pk)
    return swept
