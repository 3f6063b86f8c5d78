import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Page

from leads.models import Lead, LeadNote, LeadStatusChange

logger = logging.getLogger(__name__)


def _enqueue_notifications(lead_id: int, *, acknowledge: bool) -> None:
    from leads.tasks import send_lead_acknowledgement, send_lead_notification

    # A stopped worker or broken queue must never cost the reader their lead.
    try:
        send_lead_notification.enqueue(lead_id=lead_id, attempt=1)
        if acknowledge and settings.LEADS_ACKNOWLEDGE:
            send_lead_acknowledgement.enqueue(lead_id=lead_id)
    except Exception:
        logger.exception("Could not queue the notification for lead %s", lead_id)


def lead_create(
    *,
    name: str,
    email: str,
    consent: bool,
    consent_text: str,
    company: str = "",
    phone: str = "",
    country: str = "",
    message: str = "",
    minerals: Iterable = (),
    investor_type: str = "",
    investment_range: str = "",
    source_page: Page | None = None,
    referrer: str = "",
    utm_source: str = "",
    utm_medium: str = "",
    utm_campaign: str = "",
    utm_term: str = "",
    utm_content: str = "",
    submission_token: str | None = None,
    spam_reason: str = "",
) -> tuple[Lead, bool]:
    """Validate and save one enquiry; (lead, created). A repeated token returns
    the lead its first submission made."""
    if submission_token:
        existing = Lead.objects.filter(submission_token=submission_token).first()
        if existing:
            return existing, False
    now = timezone.now()
    lead = Lead(
        name=name,
        email=email,
        company=company,
        phone=phone,
        country=country,
        message=message,
        investor_type=investor_type,
        investment_range=investment_range,
        consent=consent,
        consent_at=now if consent else None,
        consent_text=consent_text if consent else "",
        source_page=source_page,
        source_url=(source_page.full_url or "") if source_page else "",
        source_title=source_page.title if source_page else "",
        referrer=referrer,
        utm_source=utm_source,
        utm_medium=utm_medium,
        utm_campaign=utm_campaign,
        utm_term=utm_term,
        utm_content=utm_content,
        created_at=now,
        submission_token=submission_token,
        spam_reason=spam_reason,
    )
    if spam_reason:
        lead.status = Lead.Status.SPAM
        lead.notification_state = Lead.NotificationState.SKIPPED
    lead.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            lead.save()
            lead.minerals.set(minerals)
    except IntegrityError:
        # Two requests with one token at the same moment: the first one won.
        if not submission_token:
            raise
        return Lead.objects.get(submission_token=submission_token), False
    if not spam_reason:
        transaction.on_commit(
            lambda: _enqueue_notifications(lead.pk, acknowledge=True), robust=True
        )
    return lead, True


def lead_set_status(
    *, lead: Lead, status: str, user: AbstractBaseUser | None
) -> LeadStatusChange | None:
    """Change the status and record who did it; None when nothing changed."""
    previous = Lead.objects.filter(pk=lead.pk).values_list("status", flat=True).get()
    lead.status = status
    if previous == status:
        return None
    with transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(status=status)
        return LeadStatusChange.objects.create(
            lead=lead, changed_by=user, from_status=previous, to_status=status
        )


def lead_note_create(*, lead: Lead, author: AbstractBaseUser, text: str) -> LeadNote:
    return LeadNote.objects.create(lead=lead, author=author, text=text)


def lead_notification_resend(*, lead: Lead) -> None:
    if lead.status == Lead.Status.SPAM:
        return
    Lead.objects.filter(pk=lead.pk).update(
        notification_state=Lead.NotificationState.PENDING,
        notification_attempts=0,
        notification_error="",
    )
    transaction.on_commit(
        lambda: _enqueue_notifications(lead.pk, acknowledge=False), robust=True
    )


ERASED = "[erased]"


def lead_data_erase(*, email: str) -> int:
    """Remove a person's details from their leads; counts and statuses remain."""
    leads = Lead.objects.filter(email__iexact=email)
    with transaction.atomic():
        LeadNote.objects.filter(lead__in=leads).update(text=ERASED)
        return leads.update(
            name=ERASED,
            email="",
            company="",
            phone="",
            message="",
            referrer="",
            consent_text="",
            notification_error="",
            erased_at=timezone.now(),
        )
