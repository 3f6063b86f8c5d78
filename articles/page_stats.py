"""Cookie-free page statistics: views and lead-form starts, per page and day.

Every public page asks for a beacon of its own, `/stats/<page id>/view`: the
page script posts it, and without JavaScript a `<noscript>` image fetches
`/stats/<page id>/view.gif` (only one of the two can load). The script posts
`/stats/<page id>/start` at the first use of a lead form. The beacon URL names
the page and nothing else, so cached HTML stays the same for every reader.

Through gunicorn the beacon is answered by `BeaconApp`, which wraps Django's
WSGI application (btob/wsgi.py), before Django's request handling, signals,
middleware or routing run; `BeaconMiddleware`, the first middleware, gives the
same answers to requests that reach Django without it (the test client, a
live test server). Both call `beacon_response`. It stores nothing about the
reader (no cookie is set or read beyond checking that a session cookie
exists; no address, no user agent): counts are atomic increments of the
page's counter for the day. With `REDIS_URL` that is a Redis `HINCRBY`, added
to `PageDailyCount` by the `articles.flush_page_stats` periodic job; without,
an `INSERT ... ON CONFLICT DO UPDATE SET views = views + n`. `BeaconApp` adds
each hit to its process's `CountBatch`, stored once a second (on a database
connection of its own, `BeaconDatabase`), so a hit never waits for a store;
`BeaconMiddleware` stores each hit at once on Django's connection.
"""

import atexit
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import suppress
from datetime import date
from functools import cache
from http import HTTPStatus

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    OperationalError,
    connection,
    connections,
    transaction,
)
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
# Crawlers, link previews, monitors, headless browsers and HTTP libraries, in
# a lower-cased user agent (ten times faster than matching with IGNORECASE).
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|embedly|preview|"
    r"lighthouse|pagespeed|headless|phantomjs|selenium|puppeteer|playwright|"
    r"python-|curl/|wget/|httpclient|okhttp|go-http|java/|libwww|scrapy|"
    r"monitor|uptime|pingdom|feedfetcher"
)
PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_MOZ")
REDIS_KEY = "btob:page-stats:"
REDIS_FLUSHING_KEY = "btob:page-stats-flushing:"
# The name of the increment, prepared on the beacon's PostgreSQL connection.
PREPARED = "btob_page_stats_count"


def is_countable(meta: dict) -> bool:
    """Whether a beacon request is a reader's view, from its headers only."""
    agent = meta.get("HTTP_USER_AGENT", "").lower()
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


@cache
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


def _upsert_params(rows) -> list[tuple]:
    """(page id, day, views, form starts) rows in the order `_upsert_sql` takes."""
    return [(day, views, starts, page_id) for page_id, day, views, starts in rows]


# SQLite databases in shared-cache mode (the test suite's in-memory one) answer
# "database table is locked" at once instead of waiting out the busy timeout:
# the increment is tried again this many times, a little later each time.
SQLITE_LOCKED_TRIES = 20


def counts_add(rows: list[tuple[int, date, int, int]]) -> None:
    """Add (page id, day, views, form starts) to the stored counts, atomically."""
    sql = _upsert_sql()
    params = _upsert_params(rows)
    for attempt in range(1, SQLITE_LOCKED_TRIES + 1):
        try:
            with connection.cursor() as cursor:
                cursor.executemany(sql, params)
            return
        except OperationalError as error:
            locked = connection.vendor == "sqlite" and "locked" in str(error)
            if not locked or attempt == SQLITE_LOCKED_TRIES:
                raise
            time.sleep(0.01 * attempt)


_redis_clients: dict = {}


def redis_client():
    import redis

    client = _redis_clients.get(settings.REDIS_URL)
    if client is None:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        _redis_clients[settings.REDIS_URL] = client
    return client


Rows = list[tuple[int, date, int, int]]


def counts_store(rows: Rows, *, database=None) -> None:
    """Add (page id, day, views, form starts) rows to the counts.

    With `REDIS_URL`, to Redis (in one round trip); without, to `database` (a
    `BeaconDatabase`), or to Django's own connection when it is None.
    """
    if settings.REDIS_URL:
        pipeline = redis_client().pipeline(transaction=False)
        for page_id, day, views, starts in rows:
            key = f"{REDIS_KEY}{day.isoformat()}"
            for kind, amount in (("view", views), ("start", starts)):
                if amount:
                    pipeline.hincrby(key, f"{page_id}:{kind}", amount)
        pipeline.execute()
    elif database is not None:
        database.add(rows)
    else:
        counts_add(rows)


def count(page_id: int, kind: str) -> None:
    """One more view or form start of a page today, stored at once."""
    views, starts = (1, 0) if kind == "view" else (0, 1)
    counts_store([(page_id, timezone.localdate(), views, starts)])


class CountBatch:
    """The views and form starts a process answered, stored every `seconds`.

    A beacon hit only adds one to a counter in memory; a thread of the
    process adds what it holds to the store in one round trip per interval
    (and at the process's exit), so hits never wait for the store. Exact
    under concurrent hits (the counters are behind a lock and the store adds
    atomically); a process killed outright loses its last interval's counts.
    """

    def __init__(self, store, *, seconds: float = 1.0):
        self.store = store
        self.seconds = seconds
        self._lock = threading.Lock()
        self._counts: dict[tuple[int, date], list[int]] = {}
        self._pid = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def add(self, page_id: int, kind: str) -> None:
        key = (page_id, timezone.localdate())
        with self._lock:
            entry = self._counts.setdefault(key, [0, 0])
            entry[0 if kind == "view" else 1] += 1
            # Started in each process that counts (a gunicorn worker is forked
            # from a master that never does).
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._stopping = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, name="page-stats", daemon=True
                )
                self._thread.start()
                atexit.register(self.flush)

    def flush(self) -> None:
        """Store what is held; on failure log what was lost and go on."""
        with self._lock:
            counts, self._counts = self._counts, {}
        if not counts:
            return
        rows = [
            (page, day, views, starts)
            for (page, day), (views, starts) in counts.items()
        ]
        try:
            self.store(rows)
        except Exception:  # noqa: BLE001 - a lost count never fails the site
            views = sum(row[2] for row in rows)
            starts = sum(row[3] for row in rows)
            logger.warning(
                "Page statistics: %s views and %s form starts were not counted",
                views,
                starts,
                exc_info=True,
            )

    def stop(self) -> None:
        """End this process's storing thread, then store what is held."""
        self._stopping.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=30)
        self.flush()

    def _run(self) -> None:
        while not self._stopping.wait(self.seconds):
            self.flush()


APPLICATION_NAME = "btob-page-stats"


class BeaconDatabase:
    """The beacon's own database connection, one per process, kept open.

    In autocommit, with none of Django's per-request connection checks. On
    PostgreSQL the increment is prepared once per connection (planned once,
    not per statement), and
    `synchronous_commit` is off for the whole session: a view is not worth
    waiting for a disk flush (a crash may lose the last fraction of a second
    of counts, never corrupt them). After an error the connection is dropped
    and the next use opens a new one. Django's own connections, and
    `close_old_connections`, never see it.
    """

    def __init__(self, alias: str = DEFAULT_DB_ALIAS):
        self.alias = alias
        self._lock = threading.Lock()
        self._wrapper = None
        self._sql = ""

    def add(self, rows: Rows) -> None:
        """Add (page id, day, views, form starts) rows to the counts."""
        params = _upsert_params(rows)
        with self._lock:
            if self._wrapper is None:
                self._connect()
            try:
                with self._wrapper.cursor() as cursor:
                    cursor.executemany(self._sql, params)
            except Exception:
                self._close()
                raise

    def close(self) -> None:
        with self._lock:
            self._close()

    def _connect(self) -> None:
        wrapper = connections.create_connection(self.alias)
        # Threads of one process (gthread workers, runserver) take turns on
        # it under the lock.
        wrapper.inc_thread_sharing()
        self._wrapper = wrapper
        try:
            wrapper.ensure_connection()
            if wrapper.vendor != "postgresql":
                self._sql = _upsert_sql()
                return
            with wrapper.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
                # Tells the beacon's connections apart in pg_stat_activity.
                cursor.execute(f"SET application_name TO '{APPLICATION_NAME}'")
                cursor.execute(
                    f"PREPARE {PREPARED} (date, integer, integer, bigint) AS "
                    + _upsert_sql() % ("$1", "$2", "$3", "$4")
                )
            self._sql = f"EXECUTE {PREPARED} (%s, %s, %s, %s)"
        except Exception:
            self._close()
            raise

    def _close(self) -> None:
        wrapper, self._wrapper = self._wrapper, None
        if wrapper is not None:
            with suppress(Exception):  # a broken connection may fail to close
                wrapper.close()


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


# Never stored, by the browser or anything in between; only our own pages may
# load it; and never read as anything but its content type.
NO_STORE = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
]

Answer = tuple[int, list[tuple[str, str]], bytes]


def beacon_response(
    environ: Mapping[str, str], count_hit: Callable[[int, str], None]
) -> Answer:
    """Status, headers and body for a request under `/stats/`, from its WSGI environ.

    `count_hit(page_id, kind)` is called for a countable view or form start.
    """
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "").upper()
    pixel = PIXEL_PATH.match(path)
    match = pixel or BEACON_PATH.match(path)
    if match is None:
        return 404, [("Content-Type", "text/plain"), *NO_STORE], b"Not found"
    allowed = ("GET", "HEAD") if pixel else ("POST",)
    if method not in allowed:
        headers = [("Content-Type", "text/plain"), ("Allow", ", ".join(allowed))]
        return 405, [*headers, *NO_STORE], b""
    if method != "HEAD" and is_countable(environ):
        kind = "view" if pixel else match["kind"]
        try:
            count_hit(int(match["page_id"]), kind)
        except Exception:  # noqa: BLE001 - a lost count never fails the page
            logger.warning("Page statistics: a %s was not counted", kind, exc_info=True)
    if pixel:
        headers = [("Content-Type", "image/gif"), ("Content-Length", str(len(PIXEL)))]
        return 200, [*headers, *NO_STORE], b"" if method == "HEAD" else PIXEL
    return 204, NO_STORE, b""


class BeaconApp:
    """WSGI: answer the beacon before Django's handler; pass anything else on."""

    def __init__(self, application, *, database: BeaconDatabase | None = None):
        self.application = application
        self.database = database or BeaconDatabase()
        self.batch = CountBatch(self.store)

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(PREFIX):
            return self.application(environ, start_response)
        status, headers, body = beacon_response(environ, self.count_hit)
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def count_hit(self, page_id: int, kind: str) -> None:
        self.batch.add(page_id, kind)

    def store(self, rows: Rows) -> None:
        counts_store(rows, database=self.database)


class BeaconMiddleware:
    """The beacon for requests that reach Django without `BeaconApp`.

    Keep this the first middleware. It counts on Django's own connection, so
    inside the transaction a test runs in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        status, headers, body = beacon_response(request.META, count)
        return HttpResponse(body, status=status, headers=headers)
