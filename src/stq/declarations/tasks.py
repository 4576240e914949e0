"""Background task: run one declaration import."""

from django_tasks import task


@task()
def import_declarations_task(job_id: int) -> str:
    from .importer import run_import
    from .models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    return run_import(job).status
