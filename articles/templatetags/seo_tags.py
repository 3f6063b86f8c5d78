from django import template

from articles import extensions, navigation
from articles.models import SiteSettings
from articles.seo import page_meta

register = template.Library()


@register.simple_tag(takes_context=True)
def get_page_meta(context, page):
    request = context["request"]
    return page_meta(page, request, SiteSettings.for_request(request))


@register.simple_tag(takes_context=True)
def site_navigation(context) -> navigation.Navigation:
    return navigation.site_navigation(context["request"])


@register.simple_tag(takes_context=True)
def call_to_action_form(context, submit_label: str = "Send enquiry"):
    return extensions.call_to_action_form(context, submit_label)
