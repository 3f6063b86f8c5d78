"""Mail tasks, run by `manage.py db_worker`.

django-tasks has no automatic retries, so a failed delivery queues the next
attempt itself, with a growing delay, and records every attempt on the lead.
Tasks carry only the lead's id, so that no task row holds personal data.

Each notification attempt first claims the lead with one conditional UPDATE
(attempt n runs only while the lead is queued or retrying after attempt n-1,
or, run again after its worker died, is still being sent by attempt n), so of
a queued retry and a manual resend, whichever runs second sends nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskContext, task

from leads.mail import (
    acknowledgement_message,
    follow_up_message,
    notification_message,
)
from leads.models import Lead

logger = logging.getLogger(__name__)

# Seconds to wait before attempt 2, 3, ...; attempt 1 runs at once.
RETRY_DELAYS = (15, 60, 300, 1800, 7200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
ACKNOWLEDGE_EVERY = timedelta(hours=24)


@task(takes_context=True)
def send_lead_notification(context: TaskContext, lead_id: int, attempt: int = 1) -> str:
    State = Lead.NotificationState
    lead = Lead.objects.filter(pk=lead_id, erased_at__isnull=True).first()
    if lead is None:
        return "skipped"
    if lead.status == Lead.Status.SPAM or not settings.LEADS_NOTIFY_EMAILS:
        Lead.objects.filter(pk=lead_id).update(notification_state=State.SKIPPED)
        return "skipped"
    waiting = Q(
        notification_state__in=(State.PENDING, State.RETRYING),
        notification_attempts=attempt - 1,
    )
    if context.task_result.attempts > 1:
        # This task's worker died running it (articles/jobs.py queued it again),
        # perhaps with the lead left being sent: better twice than never.
        waiting |= Q(notification_state=State.SENDING, notification_attempts=attempt)
    claimed = (
        Lead.objects.filter(pk=lead_id)
        .filter(waiting)
        .update(notification_state=State.SENDING, notification_attempts=attempt)
    )
    if not claimed:
        return "superseded"
    mine = Lead.objects.filter(
        pk=lead_id, notification_state=State.SENDING, notification_attempts=attempt
    )
    try:
        notification_message(lead).send()
    except Exception as error:  # noqa: BLE001 - any failure is retried
        reason = f"Attempt {attempt}: {type(error).__name__}: {error}"[:1000]
        logger.warning("Lead %s notification failed: %s", lead_id, reason)
        retry = attempt < MAX_ATTEMPTS
        mine.update(
            notification_state=State.RETRYING if retry else State.FAILED,
            notification_error=reason,
        )
        if retry:
            run_after = timezone.now() + timedelta(seconds=RETRY_DELAYS[attempt - 1])
            send_lead_notification.using(run_after=run_after).enqueue(
                lead_id=lead_id, attempt=attempt + 1
            )
        return "retrying" if retry else "failed"
    mine.update(
        notification_state=State.SENT,
        notification_error="",
        notified_at=timezone.now(),
    )
    return "sent"


@task()
def send_lead_acknowledgement(lead_id: int) -> str:
    """At most one acknowledgement per address per ACKNOWLEDGE_EVERY, never to spam."""
    with transaction.atomic():
        lead = (
            Lead.objects.filter(pk=lead_id, erased_at__isnull=True)
            .exclude(status=Lead.Status.SPAM)
            .first()
        )
        if lead is None or not lead.email:
            return "skipped"
        same_address = Lead.objects.filter(email__iexact=lead.email)
        # Every task for this address locks the same (oldest) row first, so
        # two at once take turns and the second sees the first's claim.
        same_address.select_for_update().order_by("pk").values_list("pk").first()
        now = timezone.now()
        if same_address.filter(acknowledged_at__gt=now - ACKNOWLEDGE_EVERY).exists():
            return "skipped"
        Lead.objects.filter(pk=lead_id).update(acknowledged_at=now)
    try:
        acknowledgement_message(lead).send()
    except Exception:
        Lead.objects.filter(pk=lead_id, acknowledged_at=now).update(
            acknowledged_at=None
        )
        raise
    return "sent"


@task()
def send_lead_follow_up(lead_id: int) -> str:
    """The one reminder about a lead still new; `lead_follow_ups_queue` has
    claimed it. A failed delivery gives the claim back, so that the next run
    of the job tries again."""
    lead = (
        Lead.objects.filter(pk=lead_id, erased_at__isnull=True)
        .select_related("owner")
        .first()
    )
    if lead is None or lead.status != Lead.Status.NEW:
        return "skipped"
    owner = lead.owner
    if owner is not None and owner.is_active and owner.email:
        recipients = [owner.email]
    else:
        recipients = list(settings.LEADS_NOTIFY_EMAILS)
    if not recipients:
        return "skipped"
    claimed_at = lead.follow_up_sent_at
    try:
        follow_up_message(lead, recipients).send()
    except Exception as error:  # noqa: BLE001 - tried again by the next job run
        logger.warning(
            "Lead %s follow-up reminder failed: %s: %s",
            lead_id,
            type(error).__name__,
            error,
        )
        Lead.objects.filter(pk=lead_id, follow_up_sent_at=claimed_at).update(
            follow_up_sent_at=None
        )
        return "failed"
    return "sent"
