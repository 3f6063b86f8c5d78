"""IndexNow: tell search engines at once which addresses changed.

With INDEXNOW_KEY set, the site serves the key at /<key>.txt, and each publish,
unpublish or move enqueues (on commit) a task that posts the changed addresses to
INDEXNOW_ENDPOINT, per host, at most MAX_URLS_PER_REQUEST per request. django-tasks
has no automatic retries, so a failed post queues the next attempt itself after
INDEXNOW_RETRY_DELAYS; a 4xx answer is the request's fault and is only logged.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from copy import copy
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_safe
from django_tasks import task
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

logger = logging.getLogger(__name__)

MAX_URLS_PER_REQUEST = 10_000
TIMEOUT_SECONDS = 10
# The protocol's key alphabet and length; btob/urls.py routes only such names.
KEY_PATTERN = r"[A-Za-z0-9-]{8,128}"


@require_safe
def key_file(request, key: str) -> HttpResponse:
    if not settings.INDEXNOW_KEY or not constant_time_compare(
        key, settings.INDEXNOW_KEY
    ):
        raise Http404
    return HttpResponse(settings.INDEXNOW_KEY, content_type="text/plain; charset=utf-8")


def batches(urls: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """(scheme, host, urls) per host, each at most MAX_URLS_PER_REQUEST long."""
    by_host: dict[tuple[str, str], list[str]] = {}
    for url in dict.fromkeys(urls):
        parts = urlsplit(url)
        by_host.setdefault((parts.scheme, parts.netloc), []).append(url)
    return [
        (scheme, host, host_urls[start : start + MAX_URLS_PER_REQUEST])
        for (scheme, host), host_urls in by_host.items()
        for start in range(0, len(host_urls), MAX_URLS_PER_REQUEST)
    ]


def post_batch(*, scheme: str, host: str, urls: list[str]) -> None:
    """Post one batch; raises urllib.error.URLError (or HTTPError) on failure."""
    key = settings.INDEXNOW_KEY
    body = {
        "host": host,
        "key": key,
        "keyLocation": f"{scheme}://{host}/{key}.txt",
        "urlList": urls,
    }
    request = urllib.request.Request(  # noqa: S310 - the endpoint is a setting
        settings.INDEXNOW_ENDPOINT,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):  # noqa: S310
        pass


@task()
def notify_indexnow(urls: list[str], attempt: int = 1) -> str:
    if not settings.INDEXNOW_KEY:
        return "skipped"
    failed: list[str] = []
    for scheme, host, batch in batches(urls):
        try:
            post_batch(scheme=scheme, host=host, urls=batch)
        except urllib.error.HTTPError as error:
            logger.warning(
                "IndexNow refused %d URLs for %s: %s", len(batch), host, error
            )
            if not 400 <= error.code < 500:
                failed += batch
        except (urllib.error.URLError, OSError) as error:
            logger.warning("IndexNow post for %s failed: %s", host, error)
            failed += batch
    if not failed:
        return "sent"
    delays = settings.INDEXNOW_RETRY_DELAYS
    if attempt > len(delays):
        logger.error(
            "IndexNow gave up on %d URLs after %d attempts", len(failed), attempt
        )
        return "failed"
    run_after = timezone.now() + timedelta(seconds=delays[attempt - 1])
    notify_indexnow.using(run_after=run_after).enqueue(urls=failed, attempt=attempt + 1)
    return "retrying"


def enqueue_on_commit(urls: Iterable[str | None]) -> None:
    found = [url for url in urls if url]
    if settings.INDEXNOW_KEY and found:
        transaction.on_commit(lambda: notify_indexnow.enqueue(urls=found))


def _is_public(page: Page) -> bool:
    # Pages behind a view restriction are nobody's business at a search engine.
    return not page.get_view_restrictions().exists()


def page_changed(sender, instance: Page, **kwargs) -> None:
    if _is_public(instance):
        enqueue_on_commit([instance.full_url])


def page_moved(
    sender, instance: Page, url_path_before: str, url_path_after: str, **kwargs
):
    if url_path_before == url_path_after or not instance.live:
        return
    if not _is_public(instance):
        return
    # The children moved with the page: their old and new addresses changed too.
    pages = [instance, *instance.get_descendants().live()]
    urls = []
    for page in pages:
        before = copy(page)
        before.url_path = url_path_before + page.url_path[len(url_path_after) :]
        urls += [before.full_url, page.full_url]
    enqueue_on_commit(urls)


def register_signal_handlers() -> None:
    page_published.connect(page_changed, dispatch_uid="indexnow_published")
    page_unpublished.connect(page_changed, dispatch_uid="indexnow_unpublished")
    post_page_move.connect(page_moved, dispatch_uid="indexnow_moved")
