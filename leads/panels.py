from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from wagtail.admin.panels import Panel

from leads.models import Lead


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
