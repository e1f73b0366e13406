"""`manage.py prune_records`: delete what the portal no longer needs to keep (cron-safe).

- the login lock-out log (django-axes' attempts, access and failure logs) older than
  `RETENTION_LOGIN_LOG_DAYS`;
- finished background-task results older than `RETENTION_TASK_RESULT_DAYS`;
- abuse-limit counters whose window has ended;
- background exports (the row and its file) older than `RETENTION_EXPORT_DAYS`;
- files uploaded in a Register a Deal never finished, after `RETENTION_EXPORT_DAYS` too;
- webhook deliveries that arrived or gave up, older than `RETENTION_TASK_RESULT_DAYS`.

Deals, their history, comments and the action log are records of the programme and stay.
Running it twice deletes nothing the second time.
"""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.models import DealAttachment, ExportJob, RateLimitCounter, WebhookDelivery


def prune(now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete the expired records; {what: how many rows} for the report."""
    now = now or timezone.now()
    login_cutoff = now - datetime.timedelta(days=settings.RETENTION_LOGIN_LOG_DAYS)
    task_cutoff = now - datetime.timedelta(days=settings.RETENTION_TASK_RESULT_DAYS)
    deleted = {
        "login attempts": AccessAttempt.objects.filter(attempt_time__lt=login_cutoff).delete()[0],
        "login log": AccessLog.objects.filter(attempt_time__lt=login_cutoff).delete()[0],
        "login failures": AccessFailureLog.objects.filter(attempt_time__lt=login_cutoff).delete()[
            0
        ],
        "rate-limit counters": RateLimitCounter.objects.filter(expires_at__lt=now).delete()[0],
    }
    export_cutoff = now - datetime.timedelta(days=settings.RETENTION_EXPORT_DAYS)
    old_exports = list(ExportJob.objects.filter(created_at__lt=export_cutoff))
    for job in old_exports:
        job.file.delete(save=False)  # the file first: a row without its file is harmless
    deleted["exports"] = ExportJob.objects.filter(pk__in=[j.pk for j in old_exports]).delete()[0]
    abandoned = list(DealAttachment.objects.filter(deal=None, uploaded_at__lt=export_cutoff))
    for attachment in abandoned:
        attachment.file.delete(save=False)
    deleted["abandoned uploads"] = DealAttachment.objects.filter(
        pk__in=[a.pk for a in abandoned]
    ).delete()[0]
    settled = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.PENDING)
    deleted["webhook deliveries"] = settled.filter(created_at__lt=task_cutoff).delete()[0]
    if "django_tasks_db" in settings.INSTALLED_APPS:
        from django_tasks_db.models import DBTaskResult

        finished = DBTaskResult.objects.filter(finished_at__lt=task_cutoff)
        deleted["task results"] = finished.delete()[0]
    return deleted


class Command(BaseCommand):
    help = (
        "Delete login logs, task results, rate-limit counters, exports, abandoned uploads "
        "and settled webhook deliveries."
    )

    def handle(self, *args, **options) -> None:
        for what, count in prune().items():
            self.stdout.write(f"{what}: {count} deleted")
