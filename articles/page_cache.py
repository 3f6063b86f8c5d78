"""Site-wide HTML cache for public pages, looked up before Wagtail's routing.

A page opts in by marking its response (`SeoPage.serve` does, for every live
page served to a reader); the middleware keeps it under scheme, host and path,
so a hit costs no routing queries. Menus and related-article lists appear on
every page, so any publish, move, delete or settings change can alter any
page. `register_signal_handlers` (wired in `ArticlesConfig.ready()`) is the one
list of what changes pages and sends `pages_changed` for each change: this cache
bumps one generation counter instead of working out which pages changed, and
`articles.edge_cache` purges the caching proxy's copies.

Per-reader parts of a page are *holes*: another app registers a placeholder
and a function that renders it for each response. Cached HTML keeps the
placeholder; a response with a filled hole is sent `private, no-cache`.
"""

import hashlib
import time
from collections.abc import Callable
from copy import copy
from functools import partial

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from wagtail.models import Page
from wagtail.signals import (
    page_published,
    page_slug_changed,
    page_unpublished,
    post_page_move,
)

TRACKING_QUERY_KEYS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "gclid",
        "fbclid",
    }
)
GENERATION_KEY = "page-cache:generation"
HTML = "text/html"

Hole = Callable[[HttpRequest], str]
StaleUrls = Callable[[], list[str]]

# Sent once for each change that can alter any page, with `stale_urls`: a
# function listing the addresses that may no longer serve what they served (an
# unpublished, deleted, moved or renamed page's, and its children's).
pages_changed = Signal()
_holes: dict[str, Hole] = {}


def register_hole(placeholder: str, render: Hole) -> None:
    """Fill every `placeholder` in served HTML with `render(request)`, per response."""
    _holes[placeholder] = render


def fill_placeholder(html: str, placeholder: str, render: Callable[[], str]) -> str:
    """Each occurrence gets a rendering of its own (a token is used once)."""
    first, *rest = html.split(placeholder)
    return first + "".join(render() + part for part in rest)


def fill_holes(request: HttpRequest, html: str) -> tuple[str, bool]:
    filled = False
    for placeholder, render in _holes.items():
        if placeholder in html:
            html = fill_placeholder(html, placeholder, partial(render, request))
            filled = True
    return html, filled


def mark_cacheable(response: HttpResponse) -> HttpResponse:
    response.page_cacheable = True
    return response


def _generation_restart() -> int:
    # A counter the cache evicted restarts from the clock, never from a value
    # that entries still in the cache were stored under.
    generation = time.time_ns()
    cache.set(GENERATION_KEY, generation, timeout=None)
    return generation


def page_cache_invalidate(**kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        _generation_restart()


def _no_stale_urls() -> list[str]:
    return []


def _changed(sender, **kwargs) -> None:
    pages_changed.send(sender, stale_urls=_no_stale_urls)


def _shown_saved(sender, created: bool = False, **kwargs) -> None:
    # Rendering a page creates a missing settings row with its defaults: no change.
    if not created:
        _changed(sender)


def _page_gone(sender, instance: Page, **kwargs) -> None:
    pages_changed.send(sender, stale_urls=lambda: [instance.full_url])


def _addresses_before(page: Page, url_path_before: str) -> list[str]:
    """The addresses of `page` and its children while its url_path was the old one."""
    urls = []
    for each in (page, *page.get_descendants()):
        before = copy(each)
        before.url_path = url_path_before + each.url_path[len(page.url_path) :]
        urls.append(before.full_url)
    return urls


def _page_moved(
    sender, instance: Page, url_path_before: str, url_path_after: str, **kwargs
) -> None:
    if url_path_before == url_path_after:
        _changed(sender)
        return
    pages_changed.send(
        sender, stale_urls=lambda: _addresses_before(instance, url_path_before)
    )


def _slug_changed(sender, instance: Page, instance_before: Page, **kwargs) -> None:
    pages_changed.send(
        sender,
        stale_urls=lambda: _addresses_before(instance, instance_before.url_path),
    )


def register_signal_handlers(*shown_models: str) -> None:
    """Send `pages_changed` when a page or anything shown on pages changes."""
    page_published.connect(_changed, dispatch_uid="pages_changed_published")
    page_unpublished.connect(_page_gone, dispatch_uid="pages_changed_unpublished")
    post_page_move.connect(_page_moved, dispatch_uid="pages_changed_moved")
    page_slug_changed.connect(_slug_changed, dispatch_uid="pages_changed_slug")
    for model in apps.get_models():
        if issubclass(model, Page):
            post_delete.connect(_page_gone, sender=model)
    for label in (*shown_models, "wagtailcore.Site"):
        model = apps.get_model(label)
        post_save.connect(_shown_saved, sender=model)
        post_delete.connect(_changed, sender=model)
    pages_changed.connect(page_cache_invalidate, dispatch_uid="page_cache")


def page_cache_key(request: HttpRequest) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    if not set(request.GET) <= TRACKING_QUERY_KEYS:
        return None
    where = f"{request.scheme}://{request.get_host()}{request.path}"
    return "page-cache:" + hashlib.sha256(where.encode()).hexdigest()


def _is_storable(response: HttpResponse) -> bool:
    return (
        getattr(response, "page_cacheable", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
    )


def _fill(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.streaming or not response.get("Content-Type", "").startswith(HTML):
        return response
    html, filled = fill_holes(request, response.content.decode(response.charset))
    if filled:
        response.content = html
        patch_cache_control(response, private=True, no_cache=True)
    return response


class PageCacheMiddleware:
    """Serve a marked page from the shared cache; keep the last middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = page_cache_key(request)
        if key is None:
            return _fill(request, self.get_response(request))
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or _generation_restart()
        entry = found.get(key)
        if entry is None or entry[0] != generation:
            response = self.get_response(request)
            if not _is_storable(response):
                return _fill(request, response)
            headers = {k: v for k, v in response.items() if k != "Set-Cookie"}
            entry = (generation, response.content, headers)
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
        _, content, headers = entry
        response = HttpResponse(content, headers=headers)
        return _fill(request, response)
