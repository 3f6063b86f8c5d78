from django import template
from wagtail.models import Page, Site

from articles.models import SiteSettings
from articles.seo import page_meta

register = template.Library()


@register.simple_tag(takes_context=True)
def get_page_meta(context, page):
    request = context["request"]
    return page_meta(page, request, SiteSettings.for_request(request))


@register.simple_tag(takes_context=True)
def site_links(context) -> dict[str, str]:
    """URLs of the site's top-level pages by slug, one query per request."""
    request = context["request"]
    links = getattr(request, "_site_links", None)
    if links is None:
        site = Site.find_for_request(request)
        pages = Page.objects.live().child_of(site.root_page) if site else []
        links = _LinkMap({page.slug: page.get_url(request) for page in pages})
        request._site_links = links
    return links


class _LinkMap(dict):
    # A page an editor has not created yet still gets a sensible address.
    def __missing__(self, slug: str) -> str:
        return f"/{slug}/"
