"""The lead form's per-response fields: a hole in cached HTML.

A rendered form holds a placeholder where these fields go; each response gets
its own token, UTM values and referrer, so two readers of one cached page never
share a token or a time-trap stamp.
"""

from django.template.loader import render_to_string

from articles.page_cache import fill_placeholder
from leads.forms import attribution_from_request
from leads.tokens import form_token_issue

FRESH_FIELDS_PLACEHOLDER = "<!--leads:fresh-fields-->"


def fill_fresh_fields(
    html: str, attribution: dict[str, str], issued_at: float | None = None
) -> str:
    """Put a new token (and this request's attribution) into every form."""
    return fill_placeholder(
        html,
        FRESH_FIELDS_PLACEHOLDER,
        lambda: render_fresh_fields(attribution, issued_at),
    )


def render_fresh_fields(
    attribution: dict[str, str], issued_at: float | None = None
) -> str:
    return render_to_string(
        "leads/includes/fresh_fields.html",
        {"token": form_token_issue(issued_at=issued_at), "attribution": attribution},
    )


def fresh_fields_for_request(request) -> str:
    """The hole `articles.page_cache` fills in every served form."""
    return render_fresh_fields(attribution_from_request(request))
