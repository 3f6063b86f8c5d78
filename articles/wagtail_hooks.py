from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from articles.models import ArticlePage
from articles.review import MARK_REVIEWED_ACTION
from articles.review_admin import (
    DueForReviewMenuItem,
    DueForReviewView,
    MarkReviewedMenuItem,
    MarkReviewedView,
)
from articles.seo_analysis.listing import ArticleListingViewSet
from articles.seo_analysis.services import seo_report_refresh
from articles.seo_analysis.views import (
    SeoAnalysisOnCreateView,
    SeoAnalysisView,
    keyword_map,
)


@hooks.register("register_admin_urls")
def register_seo_urls():
    return [
        path(
            "articles/<int:page_id>/seo-analysis/",
            SeoAnalysisView.as_view(),
            name="articles_seo_analysis",
        ),
        path(
            "articles/new/<int:parent_page_id>/seo-analysis/",
            SeoAnalysisOnCreateView.as_view(),
            {
                "content_type_app_name": "articles",
                "content_type_model_name": "articlepage",
            },
            name="articles_seo_analysis_on_create",
        ),
        path("articles/keyword-map/", keyword_map, name="articles_keyword_map"),
    ]


@hooks.register("register_admin_viewset")
def register_article_listing():
    return ArticleListingViewSet()


@hooks.register("register_admin_menu_item")
def register_keyword_map_menu_item():
    return MenuItem(
        "Keyword map", reverse("articles_keyword_map"), icon_name="tag", order=160
    )


def refresh_seo_report(request, page):
    if isinstance(page.specific, ArticlePage):
        seo_report_refresh(page=page.specific)


for hook_name in ("after_create_page", "after_edit_page", "after_publish_page"):
    hooks.register(hook_name, refresh_seo_report)


# The review cycle (articles/review.py, articles/review_admin.py).


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path(
            "reports/due-for-review/",
            DueForReviewView.as_view(),
            name="articles_due_for_review",
        ),
        path(
            "reports/due-for-review/results/",
            DueForReviewView.as_view(results_only=True),
            name="articles_due_for_review_results",
        ),
        path(
            "articles/<int:page_id>/mark-reviewed/",
            MarkReviewedView.as_view(),
            name="articles_mark_reviewed",
        ),
    ]


@hooks.register("register_reports_menu_item")
def register_due_for_review_menu_item():
    return DueForReviewMenuItem(
        "Due for review",
        reverse("articles_due_for_review"),
        name="due-for-review",
        icon_name="time",
        order=1050,
    )


@hooks.register("register_page_action_menu_item")
def register_mark_reviewed_menu_item():
    return MarkReviewedMenuItem(order=35)


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    actions.register_action(MARK_REVIEWED_ACTION, "Mark reviewed", "Marked reviewed")
