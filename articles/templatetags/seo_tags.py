from django import template

from articles import navigation
from articles.models import SiteSettings
from articles.seo import page_meta

register = template.Library()


@register.simple_tag(takes_context=True)
def get_page_meta(context, page):
    request = context["request"]
    return page_meta(page, request, SiteSettings.for_request(request))


@register.simple_tag(takes_context=True)
def site_links(context) -> navigation.LinkMap:
    return navigation.site_links(context["request"])
