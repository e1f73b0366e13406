"""Personal data the portal keeps only as long as it must: the login log, task results and
rate-limit counters are pruned; account links never sit in the task queue."""

import datetime
import io

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.management.commands.prune_records import prune
from portal.models import PartnerApplication, RateLimitCounter
from tests import factories

pytestmark = pytest.mark.django_db


def test_old_login_records_and_task_results_go_and_recent_ones_stay(settings):
    now = timezone.now()
    old, recent = now - datetime.timedelta(days=40), now - datetime.timedelta(days=2)
    for n, when in enumerate((old, recent)):
        attempt = AccessAttempt.objects.create(
            user_agent=f"agent {n}", username="x", ip_address="192.0.2.1", failures_since_start=1
        )
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
        log = AccessLog.objects.create(username="x", ip_address="192.0.2.1")
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
    RateLimitCounter.objects.create(key="apply:x", window=1, count=3, expires_at=old)
    RateLimitCounter.objects.create(
        key="apply:y", window=2, count=1, expires_at=now + datetime.timedelta(hours=1)
    )
    deleted = prune(now)
    assert deleted["login attempts"] == 1 and deleted["login log"] == 1
    assert deleted["rate-limit counters"] == 1
    assert AccessAttempt.objects.count() == 1 and RateLimitCounter.objects.count() == 1
    assert prune(now)["login attempts"] == 0  # cron-safe: the second run deletes nothing
    out = io.StringIO()
    call_command("prune_records", stdout=out)
    assert "login attempts: 0 deleted" in out.getvalue()


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued_text() -> str:
    return " ".join(str(row.args_kwargs) for row in DBTaskResult.objects.all())


def test_a_password_reset_queues_the_user_id_not_the_link(client, partner_user, database_tasks):
    client.post(reverse("password_reset"), {"email": partner_user.email})
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["kwargs"] == {
        "kind": "password_reset",
        "user_id": partner_user.pk,
        "application_id": None,
    }
    assert "/accounts/reset/" not in queued_text()


def test_the_set_password_link_is_made_by_the_task(
    client, reviewer, database_tasks, django_capture_on_commit_callbacks, mailoutbox
):
    application = factories.PartnerApplicationFactory()
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:portal_partnerapplication_approve", args=[application.pk]))
    assert PartnerApplication.objects.get(pk=application.pk).status == "approved"
    assert "/accounts/activate/" not in queued_text()
    assert "activation" in queued_text()
    # The worker makes the link when it runs the task.
    from portal.tasks import send_account_link

    row = DBTaskResult.objects.get(task_path__endswith="send_account_link")
    assert send_account_link.call(**row.args_kwargs["kwargs"]) == 1
    assert "/accounts/activate/" in mailoutbox[-1].body
