"""Cookie-free page statistics: views and lead-form starts, per page and day.

Every public page asks for a beacon of its own, `/stats/<page id>/view`: the
page script posts it, and without JavaScript a `<noscript>` image fetches
`/stats/<page id>/view.gif` (only one of the two can load). The script posts
`/stats/<page id>/start` at the first use of a lead form. The beacon URL names
the page and nothing else, so cached HTML stays the same for every reader.

The beacon is answered by `BeaconMiddleware`, the first middleware, before
sessions, routing or the page cache. It stores nothing about the reader (no
cookie is set or read beyond checking that a session cookie exists; no
address, no user agent): a counted hit is one atomic increment of the
page's counter for today. With `REDIS_URL` that is a Redis `HINCRBY`, added
to `PageDailyCount` by the `articles.flush_page_stats` periodic job; without,
one `INSERT ... ON CONFLICT DO UPDATE SET views = views + 1`.
"""

import logging
import re
import uuid
from contextlib import suppress
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

PREFIX = "/stats/"
BEACON_PATH = re.compile(r"^/stats/(?P<page_id>[0-9]{1,18})/(?P<kind>view|start)$")
PIXEL_PATH = re.compile(r"^/stats/(?P<page_id>[0-9]{1,18})/view\.gif$")
# A transparent 1x1 GIF.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01"
    b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
COLUMNS = {"view": "views", "start": "form_starts"}
# Crawlers, link previews, monitors, headless browsers and HTTP libraries.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|"
    r"lighthouse|pagespeed|headless|phantomjs|selenium|puppeteer|playwright|"
    r"python-|curl/|wget/|httpclient|okhttp|go-http|java/|libwww|scrapy|"
    r"monitor|uptime|pingdom|feedfetcher",
    re.IGNORECASE,
)
PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_MOZ")
REDIS_KEY = "btob:page-stats:"
REDIS_FLUSHING_KEY = "btob:page-stats-flushing:"


def is_countable(meta: dict) -> bool:
    """Whether a beacon request is a reader's view, from its headers only."""
    agent = meta.get("HTTP_USER_AGENT", "")
    if not agent or BOT_AGENTS.search(agent):
        return False
    if any("prefetch" in meta.get(name, "").lower() for name in PREFETCH_HEADERS):
        return False
    if meta.get("HTTP_DNT", "").strip() == "1":
        return False
    if meta.get("HTTP_SEC_GPC", "").strip() == "1":
        return False
    # Other sites embedding the beacon, and anything but our own pages.
    if meta.get("HTTP_SEC_FETCH_SITE", "same-origin") not in ("same-origin", "none"):
        return False
    # Signed-in staff carry a session cookie; readers never get one.
    return f"{settings.SESSION_COOKIE_NAME}=" not in meta.get("HTTP_COOKIE", "")


def _upsert_sql() -> str:
    from wagtail.models import Page

    from articles.models import PageDailyCount

    table = PageDailyCount._meta.db_table
    # No row for a page that does not exist or is not live; the WHERE also keeps
    # SQLite from reading ON CONFLICT as part of the SELECT.
    return (
        f"INSERT INTO {table} (page_id, day, views, form_starts) "  # noqa: S608
        f"SELECT id, %s, %s, %s FROM {Page._meta.db_table} WHERE id = %s AND live "
        f"ON CONFLICT (page_id, day) DO UPDATE SET "
        f"views = {table}.views + excluded.views, "
        f"form_starts = {table}.form_starts + excluded.form_starts"
    )


def counts_add(rows: list[tuple[int, date, int, int]]) -> None:
    """Add (page id, day, views, form starts) to the stored counts, atomically."""
    with connection.cursor() as cursor:
        cursor.executemany(
            _upsert_sql(),
            [(day, views, starts, page_id) for page_id, day, views, starts in rows],
        )


_redis_clients: dict = {}


def redis_client():
    import redis

    client = _redis_clients.get(settings.REDIS_URL)
    if client is None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        _redis_clients[settings.REDIS_URL] = client
    return client


def count(page_id: int, kind: str) -> None:
    """One more view or form start of a page today."""
    day = timezone.localdate()
    if settings.REDIS_URL:
        field = f"{page_id}:{kind}"
        redis_client().hincrby(f"{REDIS_KEY}{day.isoformat()}", field, 1)
        return
    views, starts = (1, 0) if kind == "view" else (0, 1)
    if connection.vendor != "postgresql":
        counts_add([(page_id, day, views, starts)])
        return
    # A view is not worth a disk flush: PostgreSQL commits this increment
    # without waiting for the WAL (a crash may lose the last fraction of a
    # second of counts, never corrupt them), so the beacon does not queue
    # behind the disk.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        counts_add([(page_id, day, views, starts)])


def redis_flush() -> int:
    """Move the counts Redis holds into `PageDailyCount`; how many rows changed.

    Each day's hash is renamed first, so increments arriving meanwhile start a
    new hash; a renamed hash is deleted only after its counts are committed,
    and one left by a failed flush is added by the next.
    """
    from redis.exceptions import ResponseError

    client = redis_client()
    for key in client.scan_iter(match=f"{REDIS_KEY}*", count=1000):
        day = key.decode().removeprefix(REDIS_KEY)
        # A key gone since the scan has nothing left to move.
        with suppress(ResponseError):
            client.rename(key, f"{REDIS_FLUSHING_KEY}{day}:{uuid.uuid4().hex}")
    keys = list(client.scan_iter(match=f"{REDIS_FLUSHING_KEY}*", count=1000))
    rows: dict[tuple[int, date], list[int]] = {}
    for key in keys:
        day = date.fromisoformat(key.decode().removeprefix(REDIS_FLUSHING_KEY)[:10])
        for field, value in client.hgetall(key).items():
            page_id, kind = field.decode().split(":")
            entry = rows.setdefault((int(page_id), day), [0, 0])
            entry[0 if kind == "view" else 1] += int(value)
    if rows:
        with transaction.atomic():
            counts_add([(page, day, v, s) for (page, day), (v, s) in rows.items()])
    if keys:
        client.delete(*keys)
    return len(rows)


def page_counts(*, since: date | None = None) -> dict[int, dict[str, int]]:
    """Views and form starts per page id, from `since` (a day) or all time."""
    from articles.models import PageDailyCount

    counts = PageDailyCount.objects.all()
    if since is not None:
        counts = counts.filter(day__gte=since)
    return {
        row["page_id"]: {"views": row["views"], "form_starts": row["form_starts"]}
        for row in counts.values("page_id")
        .order_by()
        .annotate(views=Sum("views"), form_starts=Sum("form_starts"))
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def beacon(request: HttpRequest) -> HttpResponse:
    path = request.path_info
    pixel = PIXEL_PATH.match(path)
    match = pixel or BEACON_PATH.match(path)
    if match is None:
        not_found = HttpResponse("Not found", status=404, content_type="text/plain")
        return _no_store(not_found)
    allowed = ("GET", "HEAD") if pixel else ("POST",)
    if request.method not in allowed:
        response = HttpResponse(status=405, content_type="text/plain")
        response["Allow"] = ", ".join(allowed)
        return _no_store(response)
    if request.method != "HEAD" and is_countable(request.META):
        kind = "view" if pixel else match["kind"]
        try:
            count(int(match["page_id"]), kind)
        except Exception:  # noqa: BLE001 - a lost count never fails the page
            logger.warning("Page statistics: a %s was not counted", kind, exc_info=True)
    if pixel:
        return _no_store(HttpResponse(PIXEL, content_type="image/gif"))
    return _no_store(HttpResponse(status=204))


class BeaconMiddleware:
    """Answer the beacon before anything else runs; keep this the first middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX):
            return beacon(request)
        return self.get_response(request)
