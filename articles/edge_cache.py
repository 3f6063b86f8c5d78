"""Purging the caching proxy in front of the site (nginx, Varnish or a CDN).

With FRONTEND_CACHE_URL set, the settings configure Wagtail's
`wagtail.contrib.frontend_cache` with `HTTPBackend` below. Menus and
related-article lists appear on every page, so each change that
`articles.page_cache.pages_changed` reports enqueues, on commit, a task purging
every address of the site: each live public page listed from the page tree, the
feed, the sitemap and robots.txt, and the addresses the change left stale. While
such a task still waits, a further change adds no task of its own unless it left
addresses stale.

Wagtail's app is left out of INSTALLED_APPS: its own publish and unpublish
handlers would purge the one page a second time, from a task of their own.
"""

import logging
import threading
import urllib.error
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult
from wagtail.contrib.frontend_cache.backends import http
from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends
from wagtail.models import Site

from articles.page_cache import StaleUrls, pages_changed

logger = logging.getLogger(__name__)

# URLs handed to a backend at once (CDN backends send each batch in one request).
BATCH_SIZE = 100
# The addresses outside the page tree that show pages' titles and dates.
SITE_WIDE_VIEWS = ("article_feed", "sitemap", "robots_txt")


class HTTPBackend(http.HTTPBackend):
    """Wagtail's HTTP backend with a timeout on each PURGE.

    Wagtail's waits for an answer without end, holding the task worker, which
    also mails leads. A proxy that cannot be reached or does not answer in
    TIMEOUT seconds (FRONTEND_CACHE_TIMEOUT) is logged, and this backend sends it
    nothing more for the rest of the purge; `failed` keeps the addresses it did
    not purge, for `purge_site` to try again later.
    """

    def __init__(self, params: dict) -> None:
        params = dict(params)
        self.timeout = float(params.pop("TIMEOUT", settings.FRONTEND_CACHE_TIMEOUT))
        self.unreachable = False
        self.failed: list[str] = []
        super().__init__(params)

    def purge(self, url: str) -> None:
        if self.unreachable:
            self.failed.append(url)
            return
        parts = urlsplit(url)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        request = http.PurgeRequest(
            url=urlunsplit(
                (self.cache_scheme, self.cache_netloc, parts.path, parts.query, "")
            ),
            headers={"Host": host, "User-Agent": "btob-edge-cache"},
        )
        try:
            # The scheme is the configured FRONTEND_CACHE_URL's.
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            # The purge module answers 404 for an address it holds no copy of.
            if error.code != 404:
                logger.warning("Purging %s: the proxy answered %d", url, error.code)
                self.failed.append(url)
        except OSError as error:
            self.unreachable = True
            self.failed.append(url)
            logger.error(
                "Purging %s: the proxy at %s failed (%s); no more purges this run",
                url,
                self.cache_netloc,
                getattr(error, "reason", error),
            )

    def purge_batch(self, urls: Iterable[str]) -> None:
        urls = list(urls)
        for done, url in enumerate(urls):
            if self.unreachable:
                logger.error("%d URLs were not purged", len(urls) - done)
                self.failed.extend(urls[done:])
                return
            self.purge(url)


def site_urls() -> list[str]:
    """Every address of every site the proxy may hold a copy of."""
    batch = PurgeBatch()
    for site in Site.objects.select_related("root_page"):
        pages = site.root_page.get_descendants(inclusive=True).live().public()
        batch.add_pages(pages.specific(defer=True))
        batch.add_urls(site.root_url + reverse(name) for name in SITE_WIDE_VIEWS)
    return sorted(batch.urls)


def batches(urls: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(host, urls) pairs, each at most BATCH_SIZE long."""
    by_host: dict[str, list[str]] = {}
    for url in dict.fromkeys(urls):
        by_host.setdefault(urlsplit(url).netloc, []).append(url)
    return [
        (host, host_urls[start : start + BATCH_SIZE])
        for host, host_urls in by_host.items()
        for start in range(0, len(host_urls), BATCH_SIZE)
    ]


def retry_delay(attempt: int) -> float | None:
    """Seconds before purge attempt `attempt` + 1 (doubling from
    FRONTEND_CACHE_RETRY_SECONDS), or None once a retry would come after the
    proxy's copies expire anyway (PAGE_CACHE_SECONDS after they were stored)."""
    first = settings.FRONTEND_CACHE_RETRY_SECONDS
    if first <= 0:
        return None
    delay = first * 2**attempt
    # The copies a failed purge left are at most PAGE_CACHE_SECONDS old by then.
    spent = first * (2**attempt - 1)
    if spent + delay > settings.PAGE_CACHE_SECONDS:
        return None
    return delay


@task()
def purge_site(stale_urls: list[str], attempt: int = 0) -> int:
    """Purge every address of the site and `stale_urls`; how many were sent.

    When a proxy could not be reached or refused a purge, the task is enqueued
    again for later (see `retry_delay`), with the same stale addresses: a proxy
    that is down for a minute must not serve old pages until they expire.
    """
    backends = get_backends()
    if not backends:
        return 0
    urls = [*stale_urls, *site_urls()]
    sent = 0
    for host, batch in batches(urls):
        for backend in backends.values():
            if backend.invalidates_hostname(host):
                backend.purge_batch(batch)
        sent += len(batch)
    failed = sum(len(getattr(backend, "failed", ())) for backend in backends.values())
    if failed:
        delay = retry_delay(attempt)
        if delay is None:
            logger.error("%d URLs were not purged; their copies expire", failed)
        else:
            logger.warning("%d URLs were not purged; retrying in %g s", failed, delay)
            run_after = timezone.now() + timedelta(seconds=delay)
            purge_site.using(run_after=run_after).enqueue(
                stale_urls=stale_urls, attempt=attempt + 1
            )
    return sent


def purge_waiting() -> bool:
    """Whether a purge_site task is queued and not yet started."""
    waiting = DBTaskResult.objects.ready().filter(task_path=purge_site.module_path)
    return waiting.exists()


_pending = threading.local()


def _stale_urls() -> set[str]:
    if not hasattr(_pending, "urls"):
        _pending.urls = set()
    return _pending.urls


def _enqueue() -> None:
    stale = sorted(_stale_urls())
    _stale_urls().clear()
    # A waiting purge lists the page tree when it runs, after this commit.
    if stale or not purge_waiting():
        purge_site.enqueue(stale_urls=stale)


def purge_on_commit(sender, stale_urls: StaleUrls, **kwargs) -> None:
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return
    _stale_urls().update(stale_urls())
    # One change sends several signals: the first callback to run takes the
    # stale addresses of them all, and the others find a purge waiting.
    transaction.on_commit(_enqueue, robust=True)


def register_signal_handlers() -> None:
    pages_changed.connect(purge_on_commit, dispatch_uid="edge_cache")
