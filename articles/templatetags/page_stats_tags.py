from django import template

from articles.page_stats import PREFIX

register = template.Library()


@register.inclusion_tag("includes/page_stats.html", takes_context=True)
def page_stats_beacon(context) -> dict:
    """The page's view beacon: the same for every reader, so cached HTML can hold it."""
    page = context.get("page")
    request = context.get("request")
    if getattr(page, "pk", None) is None or getattr(request, "is_preview", False):
        return {}
    return {"beacon": f"{PREFIX}{page.pk}/"}
