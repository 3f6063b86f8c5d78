from django.conf import settings
from django.core.management.base import BaseCommand

from leads.services import lead_erase_expired


class Command(BaseCommand):
    help = (
        "Erase the personal data of won, lost and spam leads unchanged for "
        "LEADS_RETENTION_DAYS days; the leads stay as anonymous counts."
    )

    def handle(self, *args, **options):
        count = lead_erase_expired()
        self.stdout.write(
            f"Erased the personal data of {count} lead(s) closed and unchanged for "
            f"more than {settings.LEADS_RETENTION_DAYS} days."
        )
