import copy

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode

from leads.admin_list import CheapDates

register = template.Library()


def cheap_date_hierarchy(cl):
    """Django's date hierarchy, its links found by index probes (CheapDates)."""
    cheap = copy.copy(cl)
    paginator = getattr(cl, "paginator", None)
    exact = paginator is not None and not getattr(paginator, "estimated", False)
    cheap.queryset = CheapDates(cl.queryset, count=cl.result_count if exact else None)
    return date_hierarchy(cheap)


@register.tag(name="lead_date_hierarchy")
def lead_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=cheap_date_hierarchy,
        template_name="date_hierarchy.html",
        takes_context=False,
    )
