import json

from django.core.management.base import BaseCommand

from leads.management.commands._email_arg import email_argument
from leads.models import SUBMITTED_FIELDS, Lead

EXPORT_FIELDS = (*SUBMITTED_FIELDS, "status", "next_action_date")


def field_value(lead: Lead, name: str):
    """A lead's field as JSON can hold it."""
    if name == "minerals":
        return [mineral.name for mineral in lead.minerals.all()]
    value = getattr(lead, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


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
                **{name: field_value(lead, name) for name in EXPORT_FIELDS},
                "notes": [
                    {"created_at": note.created_at.isoformat(), "text": note.text}
                    for note in lead.notes.all()
                ],
            }
            for lead in leads
        ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
