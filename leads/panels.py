from wagtail.admin.panels import Panel

from leads.funnel import page_funnel
from leads.reports import COLUMNS, display, visible_columns


class FunnelPanel(Panel):
    """The article's funnel for each period: views, form starts and leads
    (counts only, no personal data); won value only for lead viewers."""

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
