"""Building the mails; visitor input never reaches a header unsanitised."""

import unicodedata
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from leads.models import Lead

HEADER_TEXT_MAX = 80


def header_safe(value: str, limit: int = HEADER_TEXT_MAX) -> str:
    """One line of printable text: control characters (CR, LF, NUL...) removed."""
    cleaned = "".join(
        " " if unicodedata.category(char).startswith(("C", "Z")) else char
        for char in value
    )
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit].strip()


def notification_message(lead: Lead) -> EmailMultiAlternatives:
    name = header_safe(lead.name) or "Someone"
    company = header_safe(lead.company, 60)
    subject = f"New enquiry from {name}" + (f" ({company})" if company else "")
    context = {"lead": lead, "admin_base_url": settings.WAGTAILADMIN_BASE_URL}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("leads/mail/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=settings.LEADS_NOTIFY_EMAILS,
        reply_to=[formataddr((name, lead.email))],
    )
    message.attach_alternative(
        render_to_string("leads/mail/notification.html", context), "text/html"
    )
    return message


def acknowledgement_message(lead: Lead) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(
        subject="We have received your enquiry",
        body=render_to_string("leads/mail/acknowledgement.txt", {"lead": lead}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[lead.email],
        reply_to=settings.LEADS_NOTIFY_EMAILS[:1],
    )


def follow_up_message(lead: Lead, recipients: list[str]) -> EmailMultiAlternatives:
    hours = settings.LEADS_FOLLOW_UP_HOURS
    context = {
        "lead": lead,
        "hours": f"{hours:g}",
        "admin_base_url": settings.WAGTAILADMIN_BASE_URL,
    }
    return EmailMultiAlternatives(
        subject=f"Follow up: lead #{lead.pk} is still new after {hours:g} hours",
        body=render_to_string("leads/mail/follow_up.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
