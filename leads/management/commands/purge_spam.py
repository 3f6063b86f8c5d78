from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from leads.models import Lead
from leads.services import contacts_without_leads_delete


class Command(BaseCommand):
    help = "Delete leads marked as spam that are older than --days days."

    def add_arguments(self, parser):
        parser.add_argument("--days", required=True)

    def handle(self, *args, days: str, **options):
        if not days.isdigit():
            raise CommandError(
                f"--days must be a whole number of days, 0 or more, not {days!r}."
            )
        cutoff = timezone.now() - timedelta(days=int(days))
        count, _ = Lead.objects.filter(
            status=Lead.Status.SPAM, created_at__lt=cutoff
        ).delete()
        count += contacts_without_leads_delete()
        self.stdout.write(f"Deleted {count} object(s) for spam older than {days} days.")
