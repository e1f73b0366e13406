"""Count the dashboards' summary table again from the deals: after rows were written in
bulk, or to check it (`--check` compares without changing anything)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import tallies


class Command(BaseCommand):
    help = "Count the dashboards' tallies again from the deals."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="Only say whether the table is in step."
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        if check:
            kept = tallies.table()
            with transaction.atomic():
                tallies.rebuild()
                counted = tallies.table()
                transaction.set_rollback(True)
            if kept != counted:
                differ = len(set(kept.items()) ^ set(counted.items()))
                raise CommandError(f"The tallies are out of step: {differ} cells differ.")
            self.stdout.write(self.style.SUCCESS(f"The tallies are in step ({len(kept)} cells)."))
            return
        cells = tallies.rebuild()
        self.stdout.write(self.style.SUCCESS(f"Counted {cells} cells."))
