"""Expire approved deals past their validity end, send the "expires soon" reminders, and
withdraw the deals whose Action Required request went unanswered (`action_required`).

Idempotent and safe to run from cron every hour: an expired deal is no longer
Approved, and a reminder is marked as sent (for that validity end) in the same
transaction that queues it. An extension moves the end, so the new end gets its
own reminder.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal import action_required, notifications, webhooks, workflow
from portal.models import Deal, WebhookEvent


class Command(BaseCommand):
    help = "Expire approved deals whose validity has ended and remind the ones ending soon."

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        expired, skipped = self.expire(today)
        reminded = self.remind(today)
        lapsed = action_required.withdraw_unanswered()
        self.stdout.write(
            f"Expired {expired} deal(s), skipped {skipped}, sent {reminded} expiry reminder(s), "
            f"withdrew {lapsed} deal(s) left unanswered in Action Required."
        )

    def expire(self, today: datetime.date) -> tuple[int, int]:
        expired = skipped = 0
        due = Deal.objects.filter(status=Deal.Status.APPROVED, validity_end__lt=today)
        for deal in due.order_by("validity_end", "pk").iterator():
            try:
                # The workflow announces the change, which sends the "expired" e-mail.
                workflow.expire(deal=deal, today=today)
            except workflow.DealTransitionError:
                skipped += 1  # changed by someone else since we read it (e.g. marked won)
            else:
                expired += 1
        return expired, skipped

    def remind(self, today: datetime.date) -> int:
        horizon = today + datetime.timedelta(days=settings.DEAL_EXPIRY_REMINDER_DAYS)
        reminded = 0
        not_reminded = Q(expiry_reminder_sent_for__isnull=True) | ~Q(
            expiry_reminder_sent_for=F("validity_end")
        )
        due = Deal.objects.filter(
            not_reminded,
            status=Deal.Status.APPROVED,
            validity_end__gte=today,
            validity_end__lte=horizon,
        )
        for pk in due.order_by("validity_end", "pk").values_list("pk", flat=True):
            with transaction.atomic():
                # The conditional update claims the reminder: two runs at once send it once.
                claimed = Deal.objects.filter(
                    not_reminded, pk=pk, status=Deal.Status.APPROVED
                ).update(expiry_reminder_sent_for=F("validity_end"))
                if claimed:
                    deal = Deal.objects.get(pk=pk)
                    notifications.send_after_commit(
                        notifications.expiry_reminder_messages(deal=deal)
                    )
                    webhooks.announce(deal, WebhookEvent.EXPIRING)
                    reminded += 1
        return reminded
