from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField


class BenchFormField(AbstractFormField):
    page = ParentalKey(
        "BenchFormPage", on_delete=models.CASCADE, related_name="form_fields"
    )


class BenchFormPage(AbstractForm):
    """A form builder page that stores each submission and mails nothing (our
    form queues its mail for a worker, so mailing here would be unfair)."""

    thank_you_text = models.TextField(blank=True)

    content_panels = AbstractForm.content_panels + [
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
    ]
