"""What the analysis reads of one article, as plain data."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from articles.seo_analysis.keyphrases import KeywordKey, KeywordOwner
from articles.text import TextItem

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
class ArticleDocument:
    """An article and what the analysis compares it with.

    `items` is the text in reading order: the introduction, the hero image's alt
    text, then the body. `keyphrase_owners` indexes every article's keyphrases
    (`keyphrases.keyword_owners`); the article's own, by `article_id`, do not count.
    """

    today: date
    seo_title: str = ""
    title_tag: str = ""
    meta_description: str = ""
    description_is_fallback: bool = False
    slug: str = ""
    primary_keyphrase: str = ""
    secondary_keyphrases: tuple[str, ...] = ()
    items: tuple[TextItem, ...] = ()
    last_reviewed: date | None = None
    risk_disclaimer: str = ""
    glossary: tuple[str, ...] = DEFAULT_GLOSSARY
    own_hosts: frozenset[str] = frozenset()
    article_id: int | None = None
    keyphrase_owners: Mapping[KeywordKey, list[KeywordOwner]] = field(
        default_factory=dict
    )
