from django import template
from django.urls import reverse

from leads.forms import LeadForm
from leads.views import privacy_url

register = template.Library()


@register.inclusion_tag("leads/includes/lead_form.html", takes_context=True)
def lead_form(context, submit_label: str = "Send enquiry"):
    return lead_form_context(context, submit_label)


def lead_form_context(context, submit_label: str) -> dict:
    """An empty lead form for the page in context; ids unique within the page.

    Nothing in it depends on the reader: the page is cached and shared. The
    form's script fills in the token and attribution in the reader's browser.
    """
    request = context.get("request")
    page = context.get("page")
    number = getattr(request, "leads_form_count", 0) + 1
    if request is not None:
        request.leads_form_count = number
    form = LeadForm(
        auto_id=f"lead{number}-%s",
        initial={"source_page": getattr(page, "pk", None)},
    )
    return {
        "form": form,
        "consent_label": form.consent_label_html(privacy_url(request)),
        "submit_label": submit_label,
        "action": reverse("leads:enquiry"),
        "first_on_page": number == 1,
    }
