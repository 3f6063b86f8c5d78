"""The review cycle in the Wagtail admin: the report and "Mark reviewed"."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.views.generic import TemplateView
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, TitleColumn, UserColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies.pages import PagePermissionPolicy

from articles.models import ArticlePage
from articles.review import DueArticle, article_mark_reviewed, articles_due_for_review

DATE_FORMAT = "j F Y"
REPORT_PERMISSIONS = ["add", "change", "publish"]


def _date(value: date | None) -> str:
    return format_date(value, DATE_FORMAT) if value else "never"


SORT_KEYS = {
    "title": lambda item: item.title.casefold(),
    "owner": lambda item: item.owner_name.casefold(),
    "last_reviewed": lambda item: item.last_reviewed or date.min,
    "review_by": lambda item: item.review_by,
    "days_overdue": lambda item: item.days_overdue,
}


class DueForReviewView(ReportView):
    page_title = "Due for review"
    header_icon = "time"
    index_url_name = "articles_due_for_review"
    index_results_url_name = "articles_due_for_review_results"
    permission_policy = PagePermissionPolicy()
    any_permission_required = REPORT_PERMISSIONS
    default_ordering = "-days_overdue"
    export_filename = "due-for-review"
    columns = [
        TitleColumn(
            "title",
            label="Title",
            sort_key="title",
            get_url=lambda item: item.edit_path,
        ),
        UserColumn("owner", label="Owner", sort_key="owner"),
        Column(
            "last_reviewed",
            label="Last reviewed",
            sort_key="last_reviewed",
            accessor=lambda item: _date(item.last_reviewed),
        ),
        Column(
            "review_by",
            label="Review by",
            sort_key="review_by",
            accessor=lambda item: _date(item.review_by),
        ),
        Column(
            "days_overdue",
            label="Days overdue",
            sort_key="days_overdue",
            accessor=lambda item: (
                item.days_overdue if item.days_overdue >= 0 else item.status
            ),
        ),
        Column("reason", label="Reason"),
    ]
    list_export = [
        "title",
        "owner_name",
        "last_reviewed",
        "review_by",
        "days_overdue",
        "reason",
    ]
    export_headings = {
        "title": "Title",
        "owner_name": "Owner",
        "last_reviewed": "Last reviewed",
        "review_by": "Review by",
        "days_overdue": "Days overdue",
        "reason": "Reason",
    }

    def get_queryset(self) -> list[DueArticle]:
        editable = self.permission_policy.instances_user_has_permission_for(
            self.request.user, "change"
        )
        due = articles_due_for_review(
            articles=ArticlePage.objects.filter(pk__in=editable.values("pk"))
        )
        return self.order_queryset(due)

    def order_queryset(self, items: list[DueArticle]) -> list[DueArticle]:
        ordering = self.ordering
        key = SORT_KEYS[ordering.removeprefix("-")]
        items = sorted(items, key=SORT_KEYS["title"])
        return sorted(items, key=key, reverse=ordering.startswith("-"))


class DueForReviewMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return PagePermissionPolicy().user_has_any_permission(
            request.user, REPORT_PERMISSIONS
        )


class MarkReviewedView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then record a review; needs permission to publish the article."""

    template_name = "articles/admin/mark_reviewed.html"
    page_title = "Mark reviewed"
    header_icon = "success"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.page = get_object_or_404(ArticlePage, pk=kwargs["page_id"])
        self.edit_url = reverse("wagtailadmin_pages:edit", args=[self.page.pk])

    def dispatch(self, request, *args, **kwargs):
        permissions = self.page.permissions_for_user(request.user)
        if not permissions.can_publish():
            raise PermissionDenied
        if not self.page.live:
            return self.refuse("Only a live article can be marked reviewed.")
        if permissions.page_locked():
            return self.refuse("This article is locked by another user.")
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return self.page.title

    def get_breadcrumbs_items(self):
        return []

    def refuse(self, problem: str):
        context = self.get_context_data(problem=problem)
        return self.render_to_response(context, status=409)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page, edit_url=self.edit_url, **kwargs
        )

    def post(self, request, *args, **kwargs):
        reviewed = article_mark_reviewed(page=self.page, user=request.user)
        messages.success(
            request,
            f"'{self.page.title}' marked reviewed on {_date(reviewed)}. "
            "Readers see the new date now; any draft is still a draft.",
        )
        return redirect(self.edit_url)


class MarkReviewedMenuItem(ActionMenuItem):
    label = "Mark reviewed"
    name = "action-mark-reviewed"
    icon_name = "success"

    def is_shown(self, context) -> bool:
        page = context.get("page")
        if context["view"] != "edit" or page is None or context["locked_for_user"]:
            return False
        if not (page.live and issubclass(page.specific_class, ArticlePage)):
            return False
        return self.get_user_page_permissions_tester(context).can_publish()

    def get_url(self, parent_context) -> str:
        return reverse("articles_mark_reviewed", args=[parent_context["page"].pk])
