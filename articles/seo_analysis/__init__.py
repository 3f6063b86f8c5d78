"""Yoast-class SEO and readability analysis of an ArticlePage, saved or not.

`analyse_article(page, context)` reads only the instance and the context, so it
works on a page built from unsaved form data as well as on a revision.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from articles.seo_analysis import language
from articles.seo_analysis.checks import (
    ALL_CHECKS,
    Check,
    KeywordKey,
    Subject,
    keyword_key,
    score,
)
from articles.seo_analysis.structure import article_structure

DEFAULT_GLOSSARY = (
    "beneficiation",
    "porphyry",
    "concentrate",
    "offtake",
    "tailings",
    "overburden",
    "smelter",
    "smelting",
    "refining",
    "metallurgy",
    "metallurgical",
    "exploration licence",
    "feasibility study",
    "ore body",
    "orebody",
    "rare earth",
    "antimony",
    "tungsten",
    "lithium",
    "geological",
    "geopolitical",
    "infrastructure",
    "memoranda of understanding",
    "memorandum of understanding",
)


@dataclass(frozen=True)
class KeywordOwner:
    page_id: int | None
    title: str


@dataclass
class SeoContext:
    """What the analysis needs beyond the page: site settings and other articles."""

    site_settings: object | None = None
    glossary: tuple[str, ...] = DEFAULT_GLOSSARY
    keyword_owners: dict[KeywordKey, list[KeywordOwner]] = field(default_factory=dict)
    own_hosts: frozenset[str] = frozenset()
    today: date = field(default_factory=timezone.localdate)

    def owners_besides(self, key: KeywordKey, page_id: int | None) -> list[str]:
        return sorted(
            {
                owner.title
                for owner in self.keyword_owners.get(collision_key(key), [])
                if page_id is None or owner.page_id != page_id
            }
        )


@dataclass
class SeoReport:
    seo_score: int
    readability_score: int
    checks: list[Check]

    def check(self, check_id: str) -> Check:
        return next(check for check in self.checks if check.id == check_id)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if check.status == "bad"]


def collision_key(key: KeywordKey) -> KeywordKey:
    """Word order does not make a different keyword: "copper Pakistan" collides."""
    return tuple(sorted(key))


def keyword_owners(
    pages: Iterable[tuple[int | None, str, list[str]]],
) -> dict[KeywordKey, list[KeywordOwner]]:
    """Index (page id, title, keywords) triples by normalised keyword."""
    owners: dict[KeywordKey, list[KeywordOwner]] = defaultdict(list)
    for page_id, title, keywords in pages:
        for keyword in keywords:
            if key := keyword_key(keyword):
                owners[collision_key(key)].append(KeywordOwner(page_id, title))
    return dict(owners)


def analyse_article(page, context: SeoContext) -> SeoReport:
    settings = context.site_settings
    key = keyword_key(page.primary_keyword)
    secondary = [keyword for keyword in _secondary_keywords(page) if keyword.strip()]
    subject = Subject(
        key=key,
        secondary=secondary,
        seo_title=page.seo_title or page.title,
        meta_title=page.get_meta_title(settings),
        meta_description=page.get_meta_description(),
        description_is_fallback=not page.search_description.strip(),
        slug=page.slug or "",
        structure=article_structure(page, context.own_hosts),
        last_reviewed=page.last_reviewed,
        disclaimer=getattr(settings, "risk_disclaimer", "") or "",
        glossary=[tuple(language.tokens(term)) for term in context.glossary],
        other_owners=context.owners_besides(key, page.pk) if key else [],
        today=context.today,
    )
    checks = [check(subject) for check in ALL_CHECKS]
    return SeoReport(
        seo_score=score(checks, "seo"),
        readability_score=score(checks, "readability"),
        checks=checks,
    )


def _secondary_keywords(page) -> list[str]:
    return [item.keyword for item in page.secondary_keywords.all()]
