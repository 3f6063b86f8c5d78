"""From the ORM to the analysis: a document built from an ArticlePage (saved,
built from unsaved form data, or a revision) and the site's settings."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from wagtail.models import Site

from articles.models import (
    ArticlePage,
    ArticleSecondaryKeyword,
    SeoSettings,
    SiteSettings,
)
from articles.seo_analysis.core import SeoReport, analyse
from articles.seo_analysis.document import DEFAULT_GLOSSARY, ArticleDocument
from articles.seo_analysis.keyphrases import KeywordKey, KeywordOwner, keyword_owners
from articles.text import IMAGE_ALT, PARAGRAPH, TextItem, stream_text_items, text_items


@dataclass
class SeoContext:
    """What the analysis needs beyond the page: site settings and other articles."""

    site_settings: SiteSettings | None = None
    glossary: tuple[str, ...] = DEFAULT_GLOSSARY
    keyword_owners: dict[KeywordKey, list[KeywordOwner]] = field(default_factory=dict)
    own_hosts: frozenset[str] = frozenset()
    today: date = field(default_factory=timezone.localdate)


def saved_keywords() -> list[tuple[int, str, list[str]]]:
    """(page id, title, keywords) of every article as saved, in two queries."""
    secondary: dict[int, list[str]] = {}
    for page_id, keyword in ArticleSecondaryKeyword.objects.values_list(
        "page_id", "keyword"
    ):
        secondary.setdefault(page_id, []).append(keyword)
    return [
        (page_id, title, [primary, *secondary.get(page_id, [])])
        for page_id, title, primary in ArticlePage.objects.values_list(
            "pk", "title", "primary_keyword"
        )
    ]


def seo_context_build(
    *,
    site: Site | None = None,
    keywords: Iterable[tuple[int | None, str, list[str]]] | None = None,
) -> SeoContext:
    site = site or Site.objects.filter(is_default_site=True).first()
    site_settings = SiteSettings.for_site(site) if site else None
    extra = SeoSettings.for_site(site).glossary_terms() if site else []
    return SeoContext(
        site_settings=site_settings,
        glossary=(*DEFAULT_GLOSSARY, *extra),
        keyword_owners=keyword_owners(
            saved_keywords() if keywords is None else keywords
        ),
        own_hosts=frozenset(Site.objects.values_list("hostname", flat=True)),
    )


def article_text_items(page: ArticlePage) -> Iterator[TextItem]:
    """The introduction, the hero image's alt text, then the body."""
    yield from text_items(PARAGRAPH, page.introduction)
    hero = getattr(page, "hero_image", None)
    if hero is not None:
        yield TextItem(IMAGE_ALT, hero.default_alt_text or "")
    yield from stream_text_items(page.body)


def article_document(page: ArticlePage, context: SeoContext) -> ArticleDocument:
    settings = context.site_settings
    return ArticleDocument(
        today=context.today,
        seo_title=page.seo_title or page.title,
        title_tag=page.get_meta_title(settings),
        meta_description=page.get_meta_description(),
        description_is_fallback=not page.search_description.strip(),
        slug=page.slug or "",
        primary_keyphrase=page.primary_keyword,
        secondary_keyphrases=tuple(
            item.keyword for item in page.secondary_keywords.all()
        ),
        items=tuple(article_text_items(page)),
        last_reviewed=page.last_reviewed,
        risk_disclaimer=getattr(settings, "risk_disclaimer", "") or "",
        glossary=context.glossary,
        own_hosts=context.own_hosts,
        article_id=page.pk,
        keyphrase_owners=context.keyword_owners,
    )


def analyse_article(page: ArticlePage, context: SeoContext) -> SeoReport:
    return analyse(article_document(page, context))
