"""The Articles listing in the admin, with SEO scores and a "needs work" filter."""

import django_filters
from django.db.models import F, Q
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.pages.listing import IndexView, PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet

from articles.models import ArticlePage

NEEDS_WORK_BELOW = 70
SCORE_FIELDS = {"seo_score", "readability_score", "seo_problems"}


class ScoreColumn(Column):
    cell_template_name = "articles/admin/score_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        score = getattr(instance, self.accessor, None)
        context["needs_work"] = score is None or score < NEEDS_WORK_BELOW
        return context


class ArticleSeoFilterSet(PageFilterSet):
    seo = django_filters.ChoiceFilter(
        label="SEO",
        empty_label="Any",
        choices=[
            ("needs_work", f"Needs work (under {NEEDS_WORK_BELOW} or not scored)"),
            ("good", f"Good ({NEEDS_WORK_BELOW} or more)"),
        ],
        method="filter_seo",
    )

    class Meta:
        model = ArticlePage
        fields = []

    def filter_seo(self, queryset, name, value):
        needs_work = Q(seo_report__isnull=True) | Q(
            seo_report__seo_score__lt=NEEDS_WORK_BELOW
        )
        return queryset.filter(needs_work if value == "needs_work" else ~needs_work)


class ArticleIndexView(IndexView):
    def annotate_queryset(self, pages):
        pages = pages.annotate(
            seo_score=F("seo_report__seo_score"),
            readability_score=F("seo_report__readability_score"),
            seo_problems=F("seo_report__problems"),
        )
        return super().annotate_queryset(pages)

    @property
    def is_ordered_by_score(self) -> bool:
        return (self.ordering or "").removeprefix("-") in SCORE_FIELDS

    def search_queryset(self, queryset):
        if not (self.is_searching and self.is_ordered_by_score):
            return super().search_queryset(queryset)
        # The search backend cannot order by the scores: search for the
        # matches, then keep the database's ordering of them.
        matches = queryset.order_by().autocomplete(
            self.search_query, order_by_relevance=False
        )
        return queryset.filter(pk__in=[page.pk for page in matches])

    def order_queryset(self, queryset):
        ordering = self.ordering or ""
        field = ordering.removeprefix("-")
        if not self.is_ordered_by_score:
            return super().order_queryset(queryset)
        # Unscored articles last in both directions: databases disagree on where
        # NULL sorts (SQLite first ascending, PostgreSQL first descending).
        if ordering.startswith("-"):
            return queryset.order_by(F(field).desc(nulls_last=True))
        return queryset.order_by(F(field).asc(nulls_last=True))


class ArticleListingViewSet(PageListingViewSet):
    model = ArticlePage
    name = "articles"
    icon = "doc-full"
    menu_label = "Articles"
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = ArticleIndexView
    filterset_class = ArticleSeoFilterSet
    columns = [
        *IndexView.base_columns,
        ScoreColumn("seo_score", label="SEO score", sort_key="seo_score", width="10%"),
        ScoreColumn(
            "readability_score",
            label="Readability",
            sort_key="readability_score",
            width="10%",
        ),
        Column(
            "seo_problems",
            label="Failing checks",
            sort_key="seo_problems",
            width="10%",
        ),
    ]
