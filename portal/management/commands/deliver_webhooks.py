"""Send the webhook deliveries whose retry time has come: run it every minute (cron, or a
loop beside the task worker), as `expire_deals` runs every day."""

from django.core.management.base import BaseCommand

from portal import webhooks


class Command(BaseCommand):
    help = "Attempt the webhook deliveries that are due for a retry."

    def handle(self, *args, **options) -> None:
        arrived = webhooks.deliver_due()
        self.stdout.write(f"Delivered {arrived} webhook(s).")
