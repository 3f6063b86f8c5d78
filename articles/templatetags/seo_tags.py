from django import template

from articles.models import SiteSettings
from articles.seo import breadcrumb_pages, page_meta

register = template.Library()


@register.simple_tag(takes_context=True)
def get_page_meta(context, page):
    request = context["request"]
    return page_meta(page, request, SiteSettings.for_request(request))


@register.simple_tag
def get_breadcrumbs(page):
    return breadcrumb_pages(page)
