"""Mail tasks, run by `manage.py db_worker`.

django-tasks has no automatic retries, so a failed delivery queues the next
attempt itself, with a growing delay, and records every attempt on the lead.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from leads.mail import acknowledgement_message, notification_message
from leads.models import Lead

logger = logging.getLogger(__name__)

# Seconds to wait before attempt 2, 3, ...; attempt 1 runs at once.
RETRY_DELAYS = (15, 60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@task()
def send_lead_notification(lead_id: int, attempt: int = 1) -> str:
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return "lead deleted"
    State = Lead.NotificationState
    if lead.status == Lead.Status.SPAM or not settings.LEADS_NOTIFY_EMAILS:
        Lead.objects.filter(pk=lead_id).update(notification_state=State.SKIPPED)
        return "skipped"
    try:
        notification_message(lead).send()
    except Exception as error:  # noqa: BLE001 - any failure is retried
        reason = f"Attempt {attempt}: {type(error).__name__}: {error}"[:1000]
        logger.warning("Lead %s notification failed: %s", lead_id, reason)
        retry = attempt < MAX_ATTEMPTS
        Lead.objects.filter(pk=lead_id).update(
            notification_state=State.RETRYING if retry else State.FAILED,
            notification_attempts=attempt,
            notification_error=reason,
        )
        if retry:
            run_after = timezone.now() + timedelta(seconds=RETRY_DELAYS[attempt - 1])
            send_lead_notification.using(run_after=run_after).enqueue(
                lead_id=lead_id, attempt=attempt + 1
            )
        return "retrying" if retry else "failed"
    Lead.objects.filter(pk=lead_id).update(
        notification_state=State.SENT,
        notification_attempts=attempt,
        notification_error="",
        notified_at=timezone.now(),
    )
    return "sent"


@task()
def send_lead_acknowledgement(lead_id: int) -> str:
    lead = Lead.objects.filter(pk=lead_id).exclude(status=Lead.Status.SPAM).first()
    if lead is None or not lead.email:
        return "skipped"
    acknowledgement_message(lead).send()
    Lead.objects.filter(pk=lead_id).update(acknowledged_at=timezone.now())
    return "sent"
