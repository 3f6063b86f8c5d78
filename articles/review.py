"""The review cycle: which articles are due, marking one reviewed, the digest.

An article is due on its review-by date (`ArticlePage.review_due`); other apps
add articles and reasons through the `articles_review_reasons` hook
(`articles.extensions.REVIEW_REASONS`).
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.models import Revision

from articles.extensions import REVIEW_REASONS
from articles.models import ArticlePage
from articles.page_cache import page_cache_invalidate

logger = logging.getLogger(__name__)

# "Soon due": listed in the report and the digest this many days ahead.
REVIEW_SOON_DAYS = 14
MARK_REVIEWED_ACTION = "articles.mark_reviewed"


@dataclass
class DueArticle:
    """An article in "Due for review", with why and since when."""

    page: ArticlePage
    review_by: date
    today: date
    reasons: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.page.title

    @property
    def owner(self):
        return self.page.owner

    @property
    def owner_name(self) -> str:
        owner = self.page.owner
        if owner is None:
            return ""
        return owner.get_full_name().strip() or owner.get_username()

    @property
    def last_reviewed(self) -> date | None:
        return self.page.last_reviewed

    @property
    def days_overdue(self) -> int:
        """Days past the review-by date; negative while it is still ahead."""
        return (self.today - self.review_by).days

    @property
    def status(self) -> str:
        days = self.days_overdue
        if days == 0:
            return "due today"
        if days > 0:
            return f"{days} day{'s' if days != 1 else ''} overdue"
        return f"due in {-days} day{'s' if days != -1 else ''}"

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def edit_path(self) -> str:
        return reverse("wagtailadmin_pages:edit", args=[self.page.pk])


def schedule_reason(page: ArticlePage) -> str:
    if page.review_by:
        return "Review date set by an editor"
    since = "the last review" if page.last_reviewed else "publication"
    return f"{settings.ARTICLE_REVIEW_DAYS} days after {since}"


def extra_reasons(today: date) -> dict[int, list[tuple[date, str]]]:
    """What the `articles_review_reasons` hooks say, by page id."""
    found: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for fn in hooks.get_hooks(REVIEW_REASONS):
        for page, reason, *due in fn():
            found[page.pk].append((due[0] if due else today, reason))
    return found


def articles_due_for_review(
    *,
    today: date | None = None,
    within_days: int = REVIEW_SOON_DAYS,
    articles: QuerySet | None = None,
) -> list[DueArticle]:
    """Live articles due for review by `within_days` from today, most overdue first.

    `articles` narrows the choice (to those a user may edit, say).
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=within_days)
    extra = extra_reasons(today)
    pages = (
        (ArticlePage.objects.all() if articles is None else articles)
        .live()
        .defer_streamfields()
        .select_related("owner", "last_reviewed_by")
    )
    due = []
    for page in pages:
        entries = [(when, why) for when, why in extra[page.pk] if when <= horizon]
        if page.review_due <= horizon:
            entries.append((page.review_due, schedule_reason(page)))
        if entries:
            entries.sort()
            due.append(
                DueArticle(
                    page=page,
                    review_by=entries[0][0],
                    today=today,
                    reasons=[why for _, why in entries],
                )
            )
    due.sort(key=lambda item: (item.review_by, item.title.casefold()))
    return due


def article_mark_reviewed(*, page: ArticlePage, user) -> date:
    """Record today's review on the live page and its latest revision; publish nothing.

    A pending draft keeps its edits and stays a draft; the revision the page
    was last published from is patched too, so no later publish of either
    brings the old date back.
    """
    today = timezone.localdate()
    values = {"last_reviewed": today, "last_reviewed_by": user, "review_by": None}
    content = {
        "last_reviewed": today.isoformat(),
        "last_reviewed_by": user.pk,
        "review_by": None,
    }
    with transaction.atomic():
        locked = ArticlePage.objects.select_for_update().get(pk=page.pk)
        ArticlePage.objects.filter(pk=page.pk).update(**values)
        revision_ids = {locked.latest_revision_id, locked.live_revision_id} - {None}
        for revision in Revision.objects.select_for_update().filter(
            pk__in=revision_ids
        ):
            Revision.objects.filter(pk=revision.pk).update(
                content={**revision.content, **content}
            )
        log(instance=locked, action=MARK_REVIEWED_ACTION, user=user)
        transaction.on_commit(page_cache_invalidate)
    for name, value in values.items():
        setattr(page, name, value)
    return today


def digest_recipients(page: ArticlePage) -> tuple[str, ...]:
    owner = page.owner
    if owner is not None and owner.is_active and owner.email:
        return (owner.email,)
    return tuple(settings.EDITORS_NOTIFY_EMAILS)


def review_digest_message(
    *, recipients: Iterable[str], items: list[DueArticle]
) -> EmailMultiAlternatives:
    base_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    context = {
        "items": items,
        "base_url": base_url,
        "report_url": base_url + reverse("articles_due_for_review"),
        "overdue_count": sum(1 for item in items if item.days_overdue >= 0),
    }
    count = len(items)
    message = EmailMultiAlternatives(
        subject=f"{count} article{'s' if count != 1 else ''} due for review",
        body=render_to_string("articles/mail/review_digest.txt", context),
        to=list(recipients),
    )
    message.attach_alternative(
        render_to_string("articles/mail/review_digest.html", context), "text/html"
    )
    return message


def review_digest_send(*, today: date | None = None) -> int:
    """Mail each owner (else EDITORS_NOTIFY_EMAILS) their due articles; mails sent.

    One failed delivery does not stop the others; it is raised at the end, so
    that the periodic job records it.
    """
    groups: dict[tuple[str, ...], list[DueArticle]] = defaultdict(list)
    for item in articles_due_for_review(today=today):
        recipients = digest_recipients(item.page)
        if recipients:
            groups[recipients].append(item)
        else:
            logger.warning(
                "Article %s is due for review and nobody can be told: its owner "
                "has no address and EDITORS_NOTIFY_EMAILS is empty",
                item.page.pk,
            )
    sent, failed = 0, []
    if not groups:
        return sent
    with get_connection() as connection:
        for recipients, items in groups.items():
            message = review_digest_message(recipients=recipients, items=items)
            message.connection = connection
            try:
                message.send()
            except (OSError, smtplib.SMTPException):
                logger.exception("Review digest to %s failed", ", ".join(recipients))
                failed.append(", ".join(recipients))
            else:
                sent += 1
    if failed:
        raise RuntimeError(f"Review digest not delivered to {'; '.join(failed)}")
    return sent
