"""Database side of the analysis: auditing, storing scores, the keyword map."""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from types import SimpleNamespace

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet, Value
from wagtail.images import get_image_model
from wagtail.models import Revision
from wagtail.permission_policies.pages import PagePermissionPolicy

from articles.blocks import stored_rich_texts
from articles.models import (
    ArticlePage,
    ArticleSecondaryKeyword,
    ArticleSeoReport,
    Mineral,
)
from articles.seo_analysis.adapters import analyse_article, seo_context_build
from articles.seo_analysis.core import SeoReport
from articles.seo_analysis.keyphrases import collision_key, keyword_key, keyword_owners
from articles.text import rich_text_links


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


# What the analysis reads of an article's latest revision: the fields below and
# its secondary keywords.
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
    analysis reads it (ANALYSED_FIELDS, secondary keywords), in a fixed number of
    queries: an article with unpublished changes takes those, and its minerals,
    from its revision's JSON rather than from Wagtail's rebuilt page (get_latest_
    revision_as_object() costs a few queries and most of the time per article).
    A live row's minerals, which the analysis does not read, load when read."""
    articles = ArticlePage.objects.all() if articles is None else articles
    pages = list(articles.prefetch_related("secondary_keywords").order_by("path"))
    contents = dict(
        Revision.objects.filter(
            pk__in=[
                page.latest_revision_id
                for page in pages
                if page.has_unpublished_changes and page.latest_revision_id
            ]
        ).values_list("pk", "content")
    )
    minerals = Mineral.objects.in_bulk() if contents else {}
    for page in pages:
        if page.has_unpublished_changes and page.latest_revision_id in contents:
            _read_revision(page, contents[page.latest_revision_id], minerals)
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
    checks_field = ArticleSeoReport._meta.get_field("checks")
    ArticleSeoReport.objects.bulk_create(
        [
            ArticleSeoReport(
                page_id=item.page.pk,
                seo_score=item.report.seo_score,
                readability_score=item.report.readability_score,
                problems=len(item.report.problems),
                # An expression keeps Django off its UNNEST insert on PostgreSQL,
                # whose array of JSON documents psycopg escapes slowly.
                checks=Value(
                    [check.as_dict() for check in item.report.checks],
                    output_field=checks_field,
                ),
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


@dataclass(frozen=True)
class MapArticle:
    """What the keyword map reads of an article's latest revision."""

    pk: int
    title: str
    primary_keyword: str
    secondary_keywords: list[str]
    minerals: list[str]
    # The ids of the pages the article's text links to.
    links: frozenset[str]

    @property
    def keywords(self) -> list[str]:
        return [k for k in [self.primary_keyword, *self.secondary_keywords] if k]


@dataclass
class KeywordRow:
    keyword: str
    kind: str
    page: MapArticle
    collides_with: list[str]


@dataclass
class LinkSuggestion:
    source: MapArticle
    target: MapArticle
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


def map_articles(articles: QuerySet[ArticlePage]) -> list[MapArticle]:
    """Each of `articles` as its latest revision, as far as the keyword map reads
    it, in tree order and six queries: an article with unpublished changes takes
    them from its revision's JSON, the others from their rows; only the rich text
    of the body is read, for its links."""
    rows = list(
        articles.order_by("path").values_list(
            "pk",
            "title",
            "primary_keyword",
            "has_unpublished_changes",
            "latest_revision_id",
        )
    )
    drafts = {
        revision_id: pk
        for pk, _, _, unpublished, revision_id in rows
        if unpublished and revision_id is not None
    }
    contents = {
        drafts[revision_id]: content
        for revision_id, content in Revision.objects.filter(pk__in=drafts).values_list(
            "pk", "content"
        )
    }
    live = [pk for pk, *_ in rows if pk not in contents]
    bodies = dict(ArticlePage.objects.filter(pk__in=live).values_list("pk", "body"))
    secondary: dict[int, list[str]] = {}
    for page_id, keyword in ArticleSecondaryKeyword.objects.filter(
        page_id__in=live
    ).values_list("page_id", "keyword"):
        secondary.setdefault(page_id, []).append(keyword)
    names = dict(Mineral.objects.values_list("pk", "name"))
    minerals: dict[int, list[str]] = {}
    for page_id, mineral_id in ArticlePage.minerals.through.objects.filter(
        articlepage_id__in=live
    ).values_list("articlepage_id", "mineral_id"):
        minerals.setdefault(page_id, []).append(names[mineral_id])
    body_field = ArticlePage._meta.get_field("body")
    articles = []
    for pk, title, primary, _, _ in rows:
        body = bodies.get(pk)
        content = contents.get(pk)
        if content is not None:
            title = content.get("title", title)
            primary = content.get("primary_keyword") or ""
            body = body_field.to_python(content.get("body"))
            keywords = [
                item["keyword"]
                for item in sorted(
                    content.get("secondary_keywords", []),
                    key=lambda item: item["sort_order"],
                )
            ]
            mineral_names = [
                names[mineral]
                for mineral in content.get("minerals", [])
                if mineral in names
            ]
        else:
            keywords = secondary.get(pk, [])
            mineral_names = minerals.get(pk, [])
        articles.append(
            MapArticle(
                pk=pk,
                title=title,
                primary_keyword=primary,
                secondary_keywords=keywords,
                minerals=sorted(mineral_names),
                links=_page_links(body_field.stream_block, body.raw_data),
            )
        )
    return articles


def _page_links(block, raw_body) -> frozenset[str]:
    return frozenset(
        href.removeprefix("page:")
        for source in stored_rich_texts(block, raw_body)
        # Each link to a page says so in its attributes.
        if "linktype" in source.lower()
        for href in rich_text_links(source)
        if href.startswith("page:")
    )


def keyword_map_build(*, user: AbstractBaseUser) -> KeywordMap:
    """The keywords of the articles `user` may edit, grouped by mineral, their
    collisions marked and missing links between them suggested."""
    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    articles = map_articles(ArticlePage.objects.filter(pk__in=editable.values("pk")))
    owners = keyword_owners((page.pk, page.title, page.keywords) for page in articles)
    groups: dict[str, list[KeywordRow]] = {}
    for page in articles:
        kinds = [("primary", page.primary_keyword)] + [
            ("secondary", keyword) for keyword in page.secondary_keywords
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
            for mineral in page.minerals or [NO_MINERAL]:
                groups.setdefault(mineral, []).append(row)
    return KeywordMap(
        groups=sorted(
            groups.items(), key=lambda item: (item[0] == NO_MINERAL, item[0])
        ),
        suggestions=link_suggestions(articles),
    )


def link_suggestions(articles: list[MapArticle]) -> list[LinkSuggestion]:
    """For each article, up to three others it does not link to, those sharing
    the most minerals first, then by title (then tree order)."""
    order = {page.pk: position for position, page in enumerate(articles)}

    def by_title(page: MapArticle) -> tuple[str, int]:
        return page.title, order[page.pk]

    # Articles with the same minerals are alike as targets: compare each source
    # with every set of minerals rather than with every article.
    alike: dict[frozenset[str], list[MapArticle]] = {}
    for page in articles:
        if page.minerals:
            alike.setdefault(frozenset(page.minerals), []).append(page)
    for pages in alike.values():
        pages.sort(key=by_title)
    suggestions = []
    for source in articles:
        own = set(source.minerals)
        by_count: dict[int, list[tuple[list[str], list[MapArticle]]]] = {}
        for minerals, pages in alike.items():
            if shared := sorted(own & minerals):
                by_count.setdefault(len(shared), []).append((shared, pages))
        found: list[LinkSuggestion] = []
        for count in sorted(by_count, reverse=True):
            candidates = heapq.merge(
                *(zip(pages, repeat(shared)) for shared, pages in by_count[count]),
                key=lambda candidate: by_title(candidate[0]),
            )
            for target, shared in candidates:
                if target.pk != source.pk and str(target.pk) not in source.links:
                    found.append(LinkSuggestion(source, target, shared))
                    if len(found) == SUGGESTIONS_PER_ARTICLE:
                        break
            if len(found) == SUGGESTIONS_PER_ARTICLE:
                break
        suggestions.extend(found)
    return suggestions
