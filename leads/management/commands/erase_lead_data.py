from django.core.management.base import BaseCommand, CommandError

from leads.management.commands._email_arg import email_argument
from leads.services import lead_data_erase


class Command(BaseCommand):
    help = (
        "Erase the personal details of every lead from one email address; "
        "the leads stay as anonymous counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        count = lead_data_erase(email=email_argument(email))
        if not count:
            raise CommandError(f"No leads are held for {email}.")
        self.stdout.write(f"Erased the personal data of {count} lead(s).")
