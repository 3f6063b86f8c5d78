"""Keyphrases as the analysis compares them: content words, any order and form."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from articles.seo_analysis import language

KeywordKey = tuple[str, ...]


@dataclass(frozen=True)
class KeywordOwner:
    page_id: int | None
    title: str


def keyword_key(keyword: str) -> KeywordKey:
    return tuple(language.content_tokens(keyword)) if keyword.strip() else ()


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
