"""Background work (django-tasks): sending e-mail away from the request.

With the default immediate backend the task runs at once in the same process;
with `TASKS_BACKEND=django_tasks_db.DatabaseBackend` it waits in the database
for `python manage.py db_worker`. Arguments are plain JSON: the messages are
rendered before they are queued, except those carrying a link that opens an account
(set password, reset password), which are queued by ids and rendered by the task.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_emails(messages: list[dict]) -> int:
    """Send each message ({to, subject, text, html}); return how many went out.

    A failure is logged and the other messages still go: the status change
    that caused them is already committed and stays.
    """
    sent = 0
    for message in messages:
        email = EmailMultiAlternatives(
            subject=message["subject"],
            body=message["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=message["to"],
        )
        if message.get("html"):
            email.attach_alternative(message["html"], "text/html")
        try:
            sent += email.send()
        except Exception:
            logger.exception("Could not send %r to %s", message["subject"], message["to"])
    return sent


@task()
def send_account_link(kind: str, user_id: int, application_id: int | None = None) -> int:
    """Make the set-password or reset link and send its e-mail (see `enqueue_account_link`)."""
    from portal.notifications import account_link_messages

    messages = account_link_messages(kind=kind, user_id=user_id, application_id=application_id)
    return send_emails.call(messages)


@task()
def build_export(job_id: int) -> int:
    """Write the file of an Opportunity Manager export too large to stream; its rows."""
    from portal import exports

    job = exports.build(job_id)
    return job.rows_done if job else 0
