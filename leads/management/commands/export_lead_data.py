import json

from django.core.management.base import BaseCommand

from leads.management.commands._email_arg import email_argument
from leads.models import SUBMITTED_FIELDS, Lead

EXPORT_FIELDS = (*SUBMITTED_FIELDS, "status", "next_action_date")


class Command(BaseCommand):
    help = "Print, as JSON, every lead and note held for one email address."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        email = email_argument(email)
        leads = (
            Lead.objects.filter(email__iexact=email)
            .prefetch_related("minerals", "notes")
            .order_by("created_at")
        )
        data = [
            {
                **{
                    field: value.isoformat() if hasattr(value, "isoformat") else value
                    for field in EXPORT_FIELDS
                    for value in [getattr(lead, field)]
                },
                "minerals": [mineral.name for mineral in lead.minerals.all()],
                "notes": [
                    {"created_at": note.created_at.isoformat(), "text": note.text}
                    for note in lead.notes.all()
                ],
            }
            for lead in leads
        ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
