"""The "Not found" report and its "create redirect" action, in the Wagtail admin."""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Exists, Max, OuterRef, Q, Sum, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.redirects.views import CreateView as RedirectCreateView
from wagtail.permissions import policy_registry

from articles.not_found import NotFoundHit

REPORT_DAYS = 30


class CreateRedirectColumn(Column):
    cell_template_name = "articles/admin/create_redirect_cell.html"

    def get_value(self, instance):
        query = urlencode({"old_path": instance["path"]})
        return f"{reverse('articles_not_found_redirect')}?{query}"


class NotFoundReportView(ReportView):
    page_title = "Not found"
    header_icon = "warning"
    index_url_name = "articles_not_found_report"
    index_results_url_name = "articles_not_found_report_results"
    permission_required = "add"
    default_ordering = "-hits"
    list_export = ["path", "referrer_host", "hits", "last_seen"]
    export_headings = {
        "path": "Path",
        "referrer_host": "Referrer host",
        "hits": f"Hits (last {REPORT_DAYS} days)",
        "last_seen": "Last seen",
    }
    columns = [
        Column("path", label="Path", sort_key="path"),
        Column("referrer_host", label="Referrer host", sort_key="referrer_host"),
        Column("hits", label=f"Hits (last {REPORT_DAYS} days)", sort_key="hits"),
        DateColumn("last_seen", label="Last seen", sort_key="last_seen"),
        CreateRedirectColumn("create_redirect", label="Action"),
    ]

    @cached_property
    def permission_policy(self):
        # Whoever may add a redirect may see what needs one.
        return policy_registry.get_by_type(Redirect)

    def get_base_queryset(self):
        since = timezone.localdate() - timedelta(days=REPORT_DAYS - 1)
        # Redirect paths are stored without a trailing slash.
        redirected = Redirect.objects.annotate(
            with_slash=Concat("old_path", Value("/"))
        ).filter(Q(old_path=OuterRef("path")) | Q(with_slash=OuterRef("path")))
        return (
            NotFoundHit.objects.filter(day__gte=since)
            .exclude(Exists(redirected))
            .values("path", "referrer_host")
            .annotate(hits=Sum("hits"), last_seen=Max("last_seen"))
        )

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        tiebreak = [key for key in ("path", "referrer_host") if key not in ordering]
        return queryset.order_by(ordering, *tiebreak)


class NotFoundRedirectCreateView(RedirectCreateView):
    """Wagtail's "Add redirect" form, with the old path filled in from
    `?old_path=`; back to the report once the redirect is saved."""

    add_url_name = "articles_not_found_redirect"

    def get_initial(self):
        initial = super().get_initial()
        old_path = self.request.GET.get("old_path", "")
        if old_path:
            initial["old_path"] = old_path[
                : Redirect._meta.get_field("old_path").max_length
            ]
        return initial

    def get_add_url(self):
        return self.request.get_full_path()

    def get_success_url(self):
        return reverse("articles_not_found_report")
