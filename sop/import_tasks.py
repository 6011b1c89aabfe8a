"""The worker side of long spreadsheet imports: thin, takes the job id, runs it (sop.spreadsheets.jobs)."""

from celery import shared_task

from core.tasks import AuditedTask

from .spreadsheets.jobs import import_job_run


@shared_task(base=AuditedTask, name="sop.import_tasks.run_import", soft_time_limit=1800, time_limit=1860)
def run_import(job_id: int) -> str:
    """Apply a queued import all or nothing as the person who uploaded it; returns the job's final status."""
    return import_job_run(job_id=job_id).status
