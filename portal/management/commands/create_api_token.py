"""`manage.py create_api_token "<distributor name or id>" [--name ...]`: print a new token."""

from django.core.management.base import BaseCommand, CommandError

from portal.dealregcheck import create_api_token
from portal.models import Distributor


class Command(BaseCommand):
    help = "Create an API token for a distributor's Deal Reg Number checks; prints it once."

    def add_arguments(self, parser):
        parser.add_argument("distributor", help="the distributor's name or id")
        parser.add_argument("--name", default="Ordering system", help="what will use the token")

    def handle(self, *args, distributor: str, name: str, **options):
        found = Distributor.objects.filter(name=distributor).first()
        if found is None and distributor.isdigit():
            found = Distributor.objects.filter(pk=int(distributor)).first()
        if found is None:
            raise CommandError(f"No distributor named or numbered {distributor!r}.")
        _row, token = create_api_token(distributor=found, name=name)
        self.stderr.write(f"Token for {found.name} ({name}); it is not shown again:")
        self.stdout.write(token)
