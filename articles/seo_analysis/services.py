"""Database side of the analysis: auditing, storing scores, the keyword map."""

from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from wagtail.images import get_image_model
from wagtail.permission_policies.pages import PagePermissionPolicy

from articles.models import (
    ArticlePage,
    ArticleSecondaryKeyword,
    ArticleSeoReport,
    Mineral,
)
from articles.seo_analysis.adapters import (
    analyse_article,
    article_text_items,
    seo_context_build,
)
from articles.seo_analysis.core import SeoReport
from articles.seo_analysis.keyphrases import collision_key, keyword_key, keyword_owners
from articles.text import LINK


@dataclass
class AuditedArticle:
    page: ArticlePage
    url: str
    report: SeoReport

    def as_dict(self) -> dict:
        return {
            "title": self.page.title,
            "url": self.url,
            "seo_score": self.report.seo_score,
            "readability_score": self.report.readability_score,
            "checks": [check.as_dict() for check in self.report.checks],
        }


# What the analysis and the keyword map read of an article's latest revision:
# the fields below, its secondary keywords and its minerals.
ANALYSED_FIELDS = (
    "title",
    "seo_title",
    "search_description",
    "slug",
    "subtitle",
    "introduction",
    "primary_keyword",
    "last_reviewed",
    "hero_image",
    "body",
)


def latest_article_revisions(
    articles: QuerySet[ArticlePage] | None = None,
) -> list[ArticlePage]:
    """Every article (or each of `articles`) as its latest revision, as far as the
    analysis reads it (ANALYSED_FIELDS, secondary keywords, minerals), in a fixed
    number of queries: an article with unpublished changes takes those from its
    revision's JSON rather than from Wagtail's rebuilt page (get_latest_revision_
    as_object() costs a few queries and most of the time per article)."""
    articles = ArticlePage.objects.all() if articles is None else articles
    pages = list(
        articles.select_related("latest_revision")
        .prefetch_related("secondary_keywords", "minerals")
        .order_by("path")
    )
    minerals = None
    for page in pages:
        revision = page.latest_revision
        if page.has_unpublished_changes and revision is not None:
            if minerals is None:
                minerals = Mineral.objects.in_bulk()
            _read_revision(page, revision.content, minerals)
    image_ids = {page.hero_image_id for page in pages if page.hero_image_id}
    images = get_image_model().objects.in_bulk(image_ids)
    for page in pages:
        page.hero_image = images.get(page.hero_image_id)
    return pages


def _read_revision(page: ArticlePage, content: dict, minerals: dict) -> None:
    """Set what the analysis reads of `page` from its revision's JSON, as
    Wagtail's with_content_json() would: the page keeps its place in the tree."""
    live_slug = page.slug
    for name in ANALYSED_FIELDS:
        field = ArticlePage._meta.get_field(name)
        value = content.get(name)
        if field.is_relation:
            # The object itself is set with everyone's, below.
            setattr(page, field.attname, value)
        else:
            setattr(page, field.attname, field.to_python(value))
    # The parent's path with the revision's slug, as set_url_path() makes it.
    page.url_path = page.url_path[: -len(live_slug) - 1] + page.slug + "/"
    keywords = sorted(
        content.get("secondary_keywords", []), key=lambda item: item["sort_order"]
    )
    page.secondary_keywords = [
        ArticleSecondaryKeyword(
            pk=item.get("pk"), keyword=item["keyword"], sort_order=item["sort_order"]
        )
        for item in keywords
    ]
    page.minerals = [
        minerals[pk] for pk in content.get("minerals", []) if pk in minerals
    ]


def page_path(page: ArticlePage, cache: object | None = None) -> str:
    """The page's path on its site; pass one `cache` to look the sites up once."""
    parts = page.get_url_parts(request=cache)
    return parts[2] if parts and parts[2] else page.url_path


def seo_audit(*, path: str | None = None) -> list[AuditedArticle]:
    pages = latest_article_revisions()
    context = seo_context_build(
        keywords=[(page.pk, page.title, page.keywords) for page in pages]
    )
    cache = SimpleNamespace()
    paths = [(page, page_path(page, cache)) for page in pages]
    return [
        AuditedArticle(page, url, analyse_article(page, context))
        for page, url in paths
        if path is None or url == path
    ]


def seo_report_store(*, page: ArticlePage, report: SeoReport) -> ArticleSeoReport:
    stored, _ = ArticleSeoReport.objects.update_or_create(
        page_id=page.pk,
        defaults={
            "seo_score": report.seo_score,
            "readability_score": report.readability_score,
            "problems": len(report.problems),
            "checks": [check.as_dict() for check in report.checks],
        },
    )
    return stored


def seo_report_refresh(*, page: ArticlePage) -> ArticleSeoReport:
    """Analyse the article's latest revision and store the result."""
    latest = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    return seo_report_store(
        page=latest, report=analyse_article(latest, seo_context_build())
    )


def seo_reports_store_all(audited: Iterable[AuditedArticle]) -> None:
    ArticleSeoReport.objects.bulk_create(
        [
            ArticleSeoReport(
                page_id=item.page.pk,
                seo_score=item.report.seo_score,
                readability_score=item.report.readability_score,
                problems=len(item.report.problems),
                checks=[check.as_dict() for check in item.report.checks],
            )
            for item in audited
        ],
        update_conflicts=True,
        unique_fields=["page"],
        update_fields=["seo_score", "readability_score", "problems", "checks"],
        batch_size=500,
    )


NO_MINERAL = "No mineral"
SUGGESTIONS_PER_ARTICLE = 3


@dataclass
class KeywordRow:
    keyword: str
    kind: str
    page: ArticlePage
    collides_with: list[str]


@dataclass
class LinkSuggestion:
    source: ArticlePage
    target: ArticlePage
    minerals: list[str]


@dataclass
class KeywordMap:
    groups: list[tuple[str, list[KeywordRow]]]
    suggestions: list[LinkSuggestion]

    @property
    def collision_count(self) -> int:
        return len(
            {
                (row.page.pk, row.keyword)
                for _, rows in self.groups
                for row in rows
                if row.collides_with
            }
        )


def keyword_map_build(*, user: AbstractBaseUser) -> KeywordMap:
    """The keywords of the articles `user` may edit, grouped by mineral, their
    collisions marked and missing links between them suggested."""
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    pages = latest_article_revisions(
        ArticlePage.objects.filter(pk__in=editable.values("pk"))
    )
    owners = keyword_owners((page.pk, page.title, page.keywords) for page in pages)
    minerals = {page.pk: sorted(m.name for m in page.minerals.all()) for page in pages}
    groups: dict[str, list[KeywordRow]] = {}
    for page in pages:
        kinds = [("primary", page.primary_keyword)] + [
            ("secondary", keyword) for keyword in page.secondary_keyword_list
        ]
        for kind, keyword in kinds:
            key = keyword_key(keyword)
            if not key:
                continue
            others = sorted(
                {
                    owner.title
                    for owner in owners.get(collision_key(key), [])
                    if owner.page_id != page.pk
                }
            )
            row = KeywordRow(keyword, kind, page, others)
            for mineral in minerals[page.pk] or [NO_MINERAL]:
                groups.setdefault(mineral, []).append(row)
    return KeywordMap(
        groups=sorted(
            groups.items(), key=lambda item: (item[0] == NO_MINERAL, item[0])
        ),
        suggestions=_link_suggestions(pages, minerals),
    )


def _link_suggestions(
    pages: list[ArticlePage], minerals: dict[int, list[str]]
) -> list[LinkSuggestion]:
    links = {
        page.pk: {
            item.href.removeprefix("page:")
            for item in article_text_items(page)
            if item.kind == LINK and item.href.startswith("page:")
        }
        for page in pages
    }
    suggestions = []
    for source in pages:
        candidates = []
        for target in pages:
            shared = sorted(set(minerals[source.pk]) & set(minerals[target.pk]))
            if target.pk == source.pk or not shared:
                continue
            if str(target.pk) in links[source.pk]:
                continue
            candidates.append(LinkSuggestion(source, target, shared))
        candidates.sort(key=lambda item: (-len(item.minerals), item.target.title))
        suggestions.extend(candidates[:SUGGESTIONS_PER_ARTICLE])
    return suggestions
