from django.conf import settings
from django.urls import path, reverse, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.rich_text.editors.draftail import features as draftail_features
from wagtail.admin.ui.tables import Column
from wagtail.contrib.redirects.models import Redirect
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    SnippetChooserViewSet,
    SnippetChosenView,
    SnippetCreateView,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from articles.extensions import REVIEW_REASONS
from articles.figure_editor import CONTENTSTATE_RULE, ENTITY_TYPE, FEATURE
from articles.figures import (
    FigureEmbedHandler,
    FigureUsagePanel,
    MarketFigure,
    articles_with_stale_figures,
)
from articles.models import ArticlePage
from articles.not_found_report import NotFoundRedirectCreateView, NotFoundReportView
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


class FigureChosenMixin:
    """The chooser also returns the words the editor shows for the figure."""

    def get_chosen_response_data(self, item):
        return {**super().get_chosen_response_data(item), "label": item.display_value}


class FigureChosenView(FigureChosenMixin, SnippetChosenView):
    pass


class FigureChooserCreateView(FigureChosenMixin, SnippetCreateView):
    pass


class FigureChooserViewSet(SnippetChooserViewSet):
    chosen_view_class = FigureChosenView
    create_view_class = FigureChooserCreateView


class MarketFigureViewSet(SnippetViewSet):
    model = MarketFigure
    icon = "table"
    menu_label = "Market figures"
    add_to_admin_menu = True
    menu_order = 170
    list_display = ["name", Column("display_value", label="Value"), "as_of"]
    list_filter = {"as_of": ["lt"]}
    search_fields = ["name", "unit"]
    ordering = ["name"]
    chooser_viewset_class = FigureChooserViewSet
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("value"), FieldPanel("unit")]),
        FieldPanel("as_of"),
        FieldPanel("source_url"),
        FigureUsagePanel(heading="Pages citing this figure"),
    ]


figure_viewset = MarketFigureViewSet()
register_snippet(figure_viewset)


@hooks.register("register_rich_text_features")
def register_figure_feature(features):
    features.register_embed_type(FigureEmbedHandler)
    features.register_editor_plugin(
        "draftail",
        FEATURE,
        draftail_features.EntityFeature(
            {
                "type": ENTITY_TYPE,
                "icon": "table",
                "description": "Market figure",
                "chooserUrls": {
                    "figureChooser": reverse_lazy(
                        figure_viewset.chooser_viewset.get_url_name("choose")
                    )
                },
            },
            js=["wagtailadmin/js/chooser-modal.js", "articles/figure-entity.js"],
            css={"all": ["articles/figure-entity.css"]},
        ),
    )
    features.register_converter_rule("contentstate", FEATURE, CONTENTSTATE_RULE)


def stale_figure_review_reasons():
    """Articles citing a figure older than ARTICLE_REVIEW_DAYS are due for review."""
    return articles_with_stale_figures(settings.ARTICLE_REVIEW_DAYS)


hooks.register(REVIEW_REASONS, stale_figure_review_reasons)


def report_paths(slug: str, view, name: str) -> list:
    """A Wagtail ReportView's page and its results-only fragment (filters, sorting)."""
    return [
        path(f"reports/{slug}/", view.as_view(), name=name),
        path(
            f"reports/{slug}/results/",
            view.as_view(results_only=True),
            name=f"{name}_results",
        ),
    ]


@hooks.register("register_admin_urls")
def register_not_found_urls():
    return [
        *report_paths("not-found", NotFoundReportView, "articles_not_found_report"),
        path(
            "reports/not-found/create-redirect/",
            NotFoundRedirectCreateView.as_view(),
            name="articles_not_found_redirect",
        ),
    ]


# The review cycle (articles/review.py, articles/review_admin.py).


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        *report_paths("due-for-review", DueForReviewView, "articles_due_for_review"),
        path(
            "articles/<int:page_id>/mark-reviewed/",
            MarkReviewedView.as_view(),
            name="articles_mark_reviewed",
        ),
    ]


class NotFoundMenuItem(MenuItem):
    def is_shown(self, request):
        return policy_registry.get_by_type(Redirect).user_has_permission(
            request.user, "add"
        )


@hooks.register("register_reports_menu_item")
def register_not_found_menu_item():
    return NotFoundMenuItem(
        "Not found",
        reverse("articles_not_found_report"),
        name="not-found",
        icon_name="warning",
        order=750,
    )


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
