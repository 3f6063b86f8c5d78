from wagtail.models import Page, Site


class LinkMap(dict):
    # A page an editor has not created yet still gets a sensible address.
    def __missing__(self, slug: str) -> str:
        return f"/{slug}/"


def site_links(request) -> LinkMap:
    """URLs of the site's top-level pages by slug, one query per request."""
    links = getattr(request, "_site_links", None)
    if links is None:
        site = Site.find_for_request(request)
        pages = Page.objects.live().child_of(site.root_page) if site else []
        links = LinkMap({page.slug: page.get_url(request) for page in pages})
        request._site_links = links
    return links
