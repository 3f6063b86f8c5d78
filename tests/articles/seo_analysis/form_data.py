"""Edit-form data for ArticlePage, as the Wagtail editor posts it."""

from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

INTRODUCTION = "Mining in the province draws investors from the Gulf."


def article_form_data(**changes) -> dict:
    fields = {
        "title": "Copper in Balochistan",
        "slug": "copper-in-balochistan",
        "date_published": "2026-01-15",
        "introduction": INTRODUCTION,
        "body": streamfield(
            [("paragraph", rich_text("<p>Reko Diq is a copper-gold deposit.</p>"))]
        ),
        "primary_keyword": "Reko Diq copper",
        "secondary_keywords": inline_formset([]),
        "comments": inline_formset([]),
        **changes,
    }
    return nested_form_data(fields)
