"""Page-level HTML cache for pages that carry the lead form.

The cached HTML holds a placeholder where the form's per-response fields go;
each response gets its own token, UTM values and referrer, so two readers of
one cached page never share a token or a time-trap stamp.
"""

from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from leads.tokens import form_token_issue

FRESH_FIELDS_PLACEHOLDER = "<!--leads:fresh-fields-->"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CACHEABLE_QUERY_KEYS = {*UTM_FIELDS, "gclid", "fbclid"}
PAGE_CACHE_SECONDS = 600
GENERATION_KEY = "leads:page-cache:generation"
ATTRIBUTION_MAX = {"referrer": 500, **dict.fromkeys(UTM_FIELDS, 200)}


def page_cache_generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


def page_cache_invalidate() -> None:
    """Any publish or settings change can alter any cached page (menus, related)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def attribution_from_request(request) -> dict[str, str]:
    values = {name: request.GET.get(name, "") for name in UTM_FIELDS}
    values["referrer"] = request.META.get("HTTP_REFERER", "")
    return {name: values[name][:limit] for name, limit in ATTRIBUTION_MAX.items()}


def fill_fresh_fields(
    html: str, attribution: dict[str, str], issued_at: float | None = None
) -> str:
    """Put a new token (and this request's attribution) into every form."""
    parts = html.split(FRESH_FIELDS_PLACEHOLDER)
    filled = [parts[0]]
    for part in parts[1:]:
        filled.append(
            render_to_string(
                "leads/includes/fresh_fields.html",
                {
                    "token": form_token_issue(issued_at=issued_at),
                    "attribution": attribution,
                },
            )
        )
        filled.append(part)
    return "".join(filled)


def is_cacheable(page, request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not getattr(request, "is_preview", False)
        and not request.user.is_authenticated
        and set(request.GET) <= CACHEABLE_QUERY_KEYS
        and page.live
    )


class LeadFormPageMixin:
    """Serve from the shared page cache, then fill the form's fresh fields."""

    def page_cache_key(self, request) -> str:
        return ":".join(
            [
                "leads:page",
                str(page_cache_generation()),
                str(self.pk),
                str(self.live_revision_id),
                request.scheme,
                request.get_host(),
            ]
        )

    def serve(self, request, *args, **kwargs):
        key = self.page_cache_key(request) if is_cacheable(self, request) else None
        cached = cache.get(key) if key else None
        if cached is None:
            response = super().serve(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code != 200 or FRESH_FIELDS_PLACEHOLDER.encode() not in (
                response.content
            ):
                return response
            cached = (response.content.decode(), response["Content-Type"])
            if key:
                cache.set(key, cached, PAGE_CACHE_SECONDS)
        html, content_type = cached
        response = HttpResponse(
            fill_fresh_fields(html, attribution_from_request(request)),
            content_type=content_type,
        )
        # The HTML holds a one-off token: no shared cache may keep it.
        patch_cache_control(response, private=True, no_cache=True)
        return response
