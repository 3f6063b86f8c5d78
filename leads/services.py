import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.models import Page

from articles.models import Mineral
from leads.forms import CONSENT_TEXT
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
    lead: Lead,
    minerals: Iterable[Mineral] = (),
    source_page: Page | None = None,
    form_token: str | None = None,
    spam_reason: str = "",
) -> tuple[Lead, bool]:
    """Complete, validate and save an unsaved enquiry; (lead, created). A
    repeated token returns the lead its first submission made."""
    if form_token:
        existing = Lead.objects.filter(submission_token=form_token).first()
        if existing:
            return existing, False
    now = timezone.now()
    lead.created_at = now
    lead.consent_at = now if lead.consent else None
    lead.consent_text = CONSENT_TEXT if lead.consent else ""
    lead.source_page = source_page
    lead.source_url = (source_page.full_url or "") if source_page else ""
    lead.source_title = source_page.title if source_page else ""
    lead.submission_token = form_token or None
    lead.spam_reason = spam_reason
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
        if not form_token:
            raise
        return Lead.objects.get(submission_token=form_token), False
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
