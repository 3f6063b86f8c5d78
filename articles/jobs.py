"""The site-wide periodic jobs (see `articles.periodic`)."""

import io
import logging
from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from articles import page_stats
from articles.not_found import not_found_prune
from articles.periodic import periodic_job
from articles.review import review_digest_send

logger = logging.getLogger(__name__)


@periodic_job("articles.requeue_stalled_tasks", every="TASKS_STALLED_CHECK_SECONDS")
def requeue_stalled_tasks() -> int:
    """Queue again the tasks a worker claimed and never finished: it died."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASKS_STALLED_AFTER_SECONDS)
    count = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .update(status=TaskResultStatus.READY, started_at=None)
    )
    if count:
        logger.warning("Queued %d stalled task(s) again", count)
    return count


@periodic_job("articles.prune_login_logs", every="LOGIN_LOG_PRUNE_SECONDS")
def prune_login_logs() -> int:
    """Forget logins and failed logins older than LOGIN_LOG_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.LOGIN_LOG_DAYS)
    count = 0
    for model in (AccessLog, AccessFailureLog):
        deleted, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        count += deleted
    return count


@periodic_job("articles.publish_scheduled", every="PUBLISH_SCHEDULED_SECONDS")
def publish_scheduled() -> None:
    """Pages whose go-live time has come go live; expired ones are unpublished."""
    call_command("publish_scheduled", stdout=io.StringIO())


@periodic_job("articles.prune_not_found", every="NOT_FOUND_PRUNE_SECONDS")
def prune_not_found() -> int:
    """Forget the 404 counts of days older than NOT_FOUND_DAYS."""
    return not_found_prune(days=settings.NOT_FOUND_DAYS)


@periodic_job("articles.send_review_digest", every="REVIEW_DIGEST_SECONDS")
def send_review_digest() -> int:
    """Mail each owner the articles due for review: at most once a period."""
    return review_digest_send()


@periodic_job("articles.flush_page_stats", every="PAGE_STATS_FLUSH_SECONDS")
def flush_page_stats() -> int:
    """With Redis, add the page views and form starts counted there to the database."""
    if not settings.REDIS_URL:
        return 0
    return page_stats.redis_flush()
