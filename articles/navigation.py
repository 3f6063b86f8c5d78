from dataclasses import dataclass, field

from django.db.models import Q
from wagtail.models import Page, Site

from articles.models import SiteSettings


@dataclass
class Navigation:
    """The site's menu and key pages as (title, url), for one request."""

    menu: list[tuple[Page, str]] = field(default_factory=list)
    contact_url: str | None = None
    privacy_url: str | None = None


def site_navigation(request) -> Navigation:
    """Menu pages (show in menus, tree order) and key pages, in one query."""
    navigation = getattr(request, "_site_navigation", None)
    if navigation is not None:
        return navigation
    navigation = Navigation()
    site = Site.find_for_request(request)
    if site is not None:
        settings = SiteSettings.for_request(request)
        key_ids = {settings.contact_page_id, settings.privacy_page_id} - {None}
        root = site.root_page
        pages = (
            Page.objects.live()
            .public()
            .filter(
                Q(pk__in=key_ids)
                | Q(
                    path__startswith=root.path,
                    depth=root.depth + 1,
                    show_in_menus=True,
                )
            )
        )
        by_id = {}
        for page in pages.order_by("path"):
            url = page.get_url(request)
            by_id[page.pk] = url
            if page.show_in_menus and page.depth == root.depth + 1:
                navigation.menu.append((page, url))
        navigation.contact_url = by_id.get(settings.contact_page_id)
        navigation.privacy_url = by_id.get(settings.privacy_page_id)
    request._site_navigation = navigation
    return navigation
