"""Paths readers hit that answered 404, counted per day for the "Not found" report.

One row per day, path and referrer host; the query string is dropped and the
path cut to what a redirect can hold. A day holds at most
`NOT_FOUND_MAX_PATHS_PER_DAY` rows, so a crawler trying random addresses
cannot grow the table without bound, and days older than `NOT_FOUND_DAYS` are
pruned by a periodic job (`articles.jobs`).
"""

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

PATH_MAX = 255  # Wagtail's Redirect.old_path holds as much.
HOST_MAX = 255


class NotFoundHit(models.Model):
    day = models.DateField()
    path = models.CharField(max_length=PATH_MAX)
    referrer_host = models.CharField(max_length=HOST_MAX, blank=True)
    hits = models.PositiveIntegerField(default=1)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "path", "referrer_host"],
                name="notfoundhit_one_row_per_day_path_referrer",
            )
        ]
        verbose_name = "not-found hit"

    def __str__(self) -> str:
        return f"{self.path} ({self.day}: {self.hits})"


def referrer_host(referrer: str) -> str:
    try:
        host = urlsplit(referrer).hostname or ""
    except ValueError:
        return ""
    return host.lower()[:HOST_MAX]


def not_found_record(*, path: str, referrer: str, when: datetime) -> bool:
    """Count one 404 for the path (no query string); False when the day is full."""
    day = timezone.localdate(when)
    row = NotFoundHit.objects.filter(
        day=day, path=path[:PATH_MAX], referrer_host=referrer_host(referrer)
    )
    if row.update(hits=F("hits") + 1, last_seen=when):
        return True
    if (
        NotFoundHit.objects.filter(day=day).count()
        >= settings.NOT_FOUND_MAX_PATHS_PER_DAY
    ):
        return False
    try:
        with transaction.atomic():
            NotFoundHit.objects.create(
                day=day,
                path=path[:PATH_MAX],
                referrer_host=referrer_host(referrer),
                last_seen=when,
            )
    except IntegrityError:
        # Another request created the row first: count on it.
        row.update(hits=F("hits") + 1, last_seen=when)
    return True


def not_found_prune(*, days: int) -> int:
    cutoff = timezone.localdate() - timedelta(days=days)
    deleted, _ = NotFoundHit.objects.filter(day__lt=cutoff).delete()
    return deleted


class NotFoundMiddleware:
    """Counts the 404s readers get; place it before Wagtail's RedirectMiddleware,
    so that a path a redirect now answers is no longer counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def ignored_prefixes(self) -> tuple[str, ...]:
        return (
            reverse("wagtailadmin_home"),
            reverse("admin:index"),
            settings.STATIC_URL,
            settings.MEDIA_URL,
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        try:
            if self.is_reader_request(request):
                not_found_record(
                    path=request.path,
                    referrer=request.headers.get("Referer", ""),
                    when=timezone.now(),
                )
        except DatabaseError:
            # The reader still gets the 404 page.
            logger.warning("Could not count a 404 for %s", request.path)
        return response

    def is_reader_request(self, request: HttpRequest) -> bool:
        # Only staff sign in on this site.
        user = getattr(request, "user", None)
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(self.ignored_prefixes)
            and not (user is not None and user.is_authenticated)
        )
