"""Site-wide cache for public pages, looked up before Wagtail's routing, and
the headers that let a CDN or caching proxy keep them too.

A page opts in by marking its response (`SeoPage.serve` does, for every live
page served to a reader; `page_cacheable` does for feed, sitemap and robots);
the middleware keeps it under scheme, host and path, so a hit costs no routing
queries. Menus and related-article lists appear on every page, so any publish,
move, delete or settings change can alter any page. `register_signal_handlers`
(wired in `ArticlesConfig.ready()`) is the one list of what changes pages and
sends `pages_changed` for each change: this cache bumps one generation counter
instead of working out which pages changed, and `articles.edge_cache` purges
the caching proxy's copies. A page made private is such a change too: its
cached copies, and its children's, must not reach a reader without access.

A marked page holds nothing about its reader (the lead form fetches its token
with a script of its own), so an anonymous GET whose query holds at most
tracking parameters gets the same bytes as every other reader of that path,
sent `public` with `s-maxage=PAGE_CACHE_SECONDS` for shared caches and
`max-age=0` for browsers. `EdgeCacheHeadersMiddleware`, first in MIDDLEWARE,
has the last word: a response that sets a cookie is never public, and
`Vary: Cookie` (added when rendering touched the session) is dropped from a
public one because its bytes did not depend on the cookie.
"""

import hashlib
import time
from collections.abc import Callable
from copy import copy
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from wagtail.models import Page, PageViewRestriction
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

StaleUrls = Callable[[], list[str]]

# Sent once for each change that can alter any page, with `stale_urls`: a
# function listing the addresses that may no longer serve what they served (an
# unpublished, deleted, moved or renamed page's, and its children's).
pages_changed = Signal()


def mark_cacheable(response: HttpResponse) -> HttpResponse:
    response.page_cacheable = True
    return response


def page_cacheable(view):
    """Mark every response of a function view (feed, sitemap, robots) like a page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return mark_cacheable(view(request, *args, **kwargs))

    wrapped.serves_pages = True
    return wrapped


def _generation_restart() -> int:
    # A counter the cache evicted restarts from the clock, never from a value
    # that entries still in the cache were stored under.
    generation = time.time_ns()
    cache.set(GENERATION_KEY, generation, timeout=None)
    return generation


def page_cache_generation() -> int:
    """The current generation: what is kept under another is out of date."""
    return cache.get(GENERATION_KEY) or _generation_restart()


def _generation_bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        _generation_restart()


def page_cache_invalidate(**kwargs) -> None:
    # Now, and again once the change is committed: a reader served between
    # the two still saw the page as it was, and kept it under the first new
    # generation, which the second retires.
    _generation_bump()
    transaction.on_commit(_generation_bump)


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


def _restriction_changed(sender, instance: PageViewRestriction, **kwargs) -> None:
    # A page made private (or public again) with its children: copies of them
    # that a reader without access could still be served must go. A private
    # page is no longer among the site's public pages the purge lists.
    def stale_urls() -> list[str]:
        page = Page.objects.filter(pk=instance.page_id).first()
        if page is None:  # deleted with its page, which reports itself
            return []
        pages = page.get_descendants(inclusive=True).live().specific(defer=True)
        return [url for url in (each.full_url for each in pages) if url]

    pages_changed.send(sender, stale_urls=stale_urls)


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
    for signal in (post_save, post_delete):
        signal.connect(_restriction_changed, sender=PageViewRestriction)
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


def _mark_public(response: HttpResponse) -> HttpResponse:
    response.edge_public = True
    return response


def _serves_pages(view) -> bool:
    from wagtail.views import serve  # needs the app registry: not at import

    return view is serve or getattr(view, "serves_pages", False)


class PageCacheMiddleware:
    """Serve a marked page from the shared cache; keep the last middleware.

    The lookup waits for URL resolution (`process_view`), so that requests
    for anything but pages (the form's token, the admin) never touch the cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        pending = getattr(request, "page_cache_pending", None)
        if pending is None or not _is_storable(response):
            return response
        key, generation = pending
        headers = {k: v for k, v in response.items() if k != "Set-Cookie"}
        cache.set(
            key, (generation, response.content, headers), settings.PAGE_CACHE_SECONDS
        )
        # The bytes and headers every later hit gets, from this first one on.
        return _mark_public(HttpResponse(response.content, headers=headers))

    def process_view(self, request: HttpRequest, view, view_args, view_kwargs):
        if not _serves_pages(view):
            return None
        key = page_cache_key(request)
        if key is None:
            return None
        found = cache.get_many([GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY) or _generation_restart()
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            _, content, headers = entry
            return _mark_public(HttpResponse(content, headers=headers))
        request.page_cache_pending = (key, generation)
        return None


def _drop_vary_cookie(response: HttpResponse) -> None:
    if not response.has_header("Vary"):
        return
    kept = [
        field.strip()
        for field in response["Vary"].split(",")
        if field.strip() and field.strip().lower() != "cookie"
    ]
    if kept:
        response["Vary"] = ", ".join(kept)
    else:
        del response["Vary"]


class EdgeCacheHeadersMiddleware:
    """The last word on a page's Cache-Control; keep it first in MIDDLEWARE.

    Public for what `PageCacheMiddleware` served to an anonymous reader;
    `private, no-cache` for a marked page served any other way (a session
    cookie, an unknown query string, a response that sets a cookie), so that
    no shared cache keeps what one reader was sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "edge_public", False) and not response.cookies:
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(
                response,
                public=True,
                max_age=settings.PAGE_CACHE_BROWSER_SECONDS,
                s_maxage=settings.PAGE_CACHE_SECONDS,
            )
            _drop_vary_cookie(response)
        elif getattr(response, "page_cacheable", False) or getattr(
            response, "edge_public", False
        ):
            if "Cache-Control" in response:
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_cache=True)
        return response
