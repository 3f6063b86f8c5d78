import json

from django.core.management.base import BaseCommand
from django.db.models import Q

from leads.contacts import email_normalise
from leads.management.commands._email_arg import email_argument
from leads.models import SUBMITTED_FIELDS, TOUCH_FIELDS, Contact, Lead

EXPORT_FIELDS = (*SUBMITTED_FIELDS, "status", "next_action_date")
CONTACT_FIELDS = (
    "email",
    "first_seen_at",
    "last_seen_at",
    *(
        f"{which}_{name}"
        for which in ("first", "last")
        for name in TOUCH_FIELDS
        if name != "source_page"
    ),
)


def field_value(record: Lead | Contact, name: str):
    """A lead's or contact's field as JSON can hold it."""
    if name == "minerals":
        return [mineral.name for mineral in record.minerals.all()]
    value = getattr(record, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


def contact_data(contact: Contact | None) -> dict | None:
    if contact is None:
        return None
    return {name: field_value(contact, name) for name in CONTACT_FIELDS}


class Command(BaseCommand):
    help = (
        "Print, as JSON, every lead and note held for one email address, each "
        "with its contact."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email: str, **options):
        email = email_argument(email)
        leads = (
            Lead.objects.filter(
                Q(email__iexact=email) | Q(contact__email=email_normalise(email))
            )
            .select_related("contact")
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
                "contact": contact_data(lead.contact),
            }
            for lead in leads
        ]
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
