"""Site-wide cache for public pages, looked up before Wagtail's routing, and
the headers that let a CDN or caching proxy keep them too.

A page opts in by marking its response (`SeoPage.serve` does, for every live
page served to a reader; `page_cacheable` does for feed, sitemap and robots);
the middleware keeps it under scheme, host and path, so a hit costs no routing
queries. Menus and related-article lists appear on every page, so any publish,
move, delete or settings change can alter any page: the handlers wired in
`ArticlesConfig.ready()` bump one generation counter instead of working out
which pages changed.

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
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

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


def page_cache_invalidate(**kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        _generation_restart()


def _invalidate_unless_created(created: bool = False, **kwargs) -> None:
    # Rendering a page creates a missing settings row with its defaults: no change.
    if not created:
        page_cache_invalidate()


def register_signal_handlers(*shown_models: str) -> None:
    """Drop the cache when a page or anything shown on pages changes."""
    page_published.connect(page_cache_invalidate)
    page_unpublished.connect(page_cache_invalidate)
    post_page_move.connect(page_cache_invalidate)
    for model in apps.get_models():
        if issubclass(model, Page):
            post_delete.connect(page_cache_invalidate, sender=model)
    for label in (*shown_models, "wagtailcore.Site"):
        model = apps.get_model(label)
        post_save.connect(_invalidate_unless_created, sender=model)
        post_delete.connect(page_cache_invalidate, sender=model)


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
