from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from wagtail.admin.panels import Panel

from leads.funnel import page_funnel
from leads.models import Lead
from leads.reports import COLUMNS, display, visible_columns


def lead_counts(page_id: int) -> dict[str, int]:
    since = timezone.now() - timedelta(days=30)
    qualified = [Lead.Status.QUALIFIED, Lead.Status.WON]
    return (
        Lead.objects.filter(source_page_id=page_id)
        .exclude(status=Lead.Status.SPAM)
        .aggregate(
            total=Count("pk"),
            recent=Count("pk", filter=Q(created_at__gte=since)),
            qualified=Count("pk", filter=Q(status__in=qualified)),
        )
    )


class LeadCountsPanel(Panel):
    """How many leads a page has brought in: counts only, no personal data."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "leads/admin/lead_counts_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["counts"] = (
                lead_counts(self.instance.pk) if self.instance.pk else None
            )
            return context


class FunnelPanel(Panel):
    """The article's funnel for each period; won value only for lead viewers."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "leads/admin/funnel_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            if not self.instance.pk:
                return context
            funnel = list(page_funnel(self.instance.pk).values())
            shown = {column.key for column in visible_columns(self.request.user)}
            context["funnel"] = funnel
            context["steps"] = [
                {
                    "key": column.key,
                    "label": column.label,
                    "cells": [
                        display(column.kind, column.value(row)) for row in funnel
                    ],
                }
                for column in COLUMNS
                if column.key in shown and column.key not in ("title", "minerals")
            ]
            return context
