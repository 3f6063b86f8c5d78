"""The pages an enquiry names: the page it was sent from (its title and
address are stored with the lead) and the thank-you page it is answered with.

Both are read for every lead, and both change only when pages do. Every such
change (a publish, unpublish, move, rename, deletion, a view restriction, the
site's settings) bumps the page cache's generation (articles.page_cache), so a
process keeps what it read under the generation it read it in, and asks the
cache for the generation at most every LEADS_PAGES_RECHECK_SECONDS: a lead sent
within that second of a change may still name the page as it was. Nothing is
kept longer than the page cache keeps a page.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import HttpRequest
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from articles.page_cache import page_cache_generation
from leads.models import ThankYouPage

# Distinct (scheme, host, source page) keys a process keeps, at most.
KEPT_MAX = 2000


@dataclass(frozen=True)
class SourcePage:
    """What a lead keeps of the live, public page it was sent from."""

    pk: int
    title: str
    url: str

    @classmethod
    def of(cls, page: Page, request: HttpRequest | None = None) -> "SourcePage":
        return cls(pk=page.pk, title=page.title, url=page.get_full_url(request) or "")


@dataclass(frozen=True)
class EnquiryPages:
    source: SourcePage | None
    thank_you_url: str


# (scheme, host, source page id) -> (generation, read until, pages).
_kept: dict[tuple[str, str, int], tuple[int, float, EnquiryPages]] = {}
# The generation last read from the cache, and when.
_generation: dict[str, float] = {}


def _generation_now(now: float) -> int:
    read_at = _generation.get("read_at")
    if read_at is None or now - read_at >= settings.LEADS_PAGES_RECHECK_SECONDS:
        _generation["value"] = page_cache_generation()
        _generation["read_at"] = now
    return int(_generation["value"])


def enquiry_pages(request: HttpRequest, source_id: int | None) -> EnquiryPages:
    """The source page (None unless live and public) and the thank-you address
    of an enquiry posted to `request`, as current as the page cache."""
    now = time.monotonic()
    generation = _generation_now(now)
    key = (request.scheme, request.get_host(), source_id or 0)
    kept = _kept.get(key)
    if kept is not None and kept[0] == generation and now < kept[1]:
        return kept[2]
    pages = _live_pages(source_id)
    source = next((page for page in pages if page.pk == source_id), None)
    found = EnquiryPages(
        source=SourcePage.of(source, request) if source else None,
        thank_you_url=_thank_you_url(request, pages),
    )
    if len(_kept) >= KEPT_MAX:
        _kept.clear()
    _kept[key] = (generation, now + settings.PAGE_CACHE_SECONDS, found)
    return found


def enquiry_pages_forget() -> None:
    """Forget what this process read (tests: each has pages of its own)."""
    _kept.clear()
    _generation.clear()


def _thank_you_url(request: HttpRequest, pages: list[Page]) -> str:
    ct = ContentType.objects.get_for_model(ThankYouPage).pk
    page = next((page for page in pages if page.content_type_id == ct), None)
    # Wagtail keeps the site root paths on the request, read once for the
    # source page's address too. With one site the path alone serves; with
    # several, the request's site decides (get_url looks it up in a query).
    parts = page.get_url_parts(request) if page else None
    if not parts or parts[2] is None:
        return reverse("leads:thank_you")
    sites = {paths.site_id for paths in page._get_site_root_paths(request)}
    return parts[2] if len(sites) == 1 else page.get_url(request)


def _live_pages(source_id: int | None) -> list[Page]:
    """The source page (if live and public: its title and URL are stored) and
    the thank-you page, with the fields their URLs need.

    Written out: Wagtail's public() reads every view restriction in a query of
    its own, and the ORM (raw() included) takes longer to build this query and
    its pages than the database takes to answer it. A page is private when it
    or an ancestor (a prefix of its path) is restricted.
    """
    page = Page._meta.db_table
    restriction = PageViewRestriction._meta.db_table
    # In the model's order, as Page.from_db takes them.
    fields = [
        field.attname
        for field in Page._meta.concrete_fields
        if field.attname in ("id", "title", "url_path", "content_type_id")
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'page.{name}' for name in fields)} "  # noqa: S608
            f"FROM {page} page "
            f"WHERE page.live AND (page.id = %s OR page.content_type_id = %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {restriction} restriction "
            f"JOIN {page} restricted ON restricted.id = restriction.page_id "
            f"WHERE SUBSTR(page.path, 1, LENGTH(restricted.path)) = restricted.path) "
            f"ORDER BY page.path",
            [source_id or 0, ContentType.objects.get_for_model(ThankYouPage).pk],
        )
        rows = cursor.fetchall()
    # As Page.objects.raw() would build them, without its column matching.
    return [Page.from_db(connection.alias, fields, row) for row in rows]
