"""Builders of analysis documents in memory, as the ORM adapter would make them."""

from datetime import date

from articles.seo_analysis.document import ArticleDocument
from articles.text import (
    HEADING,
    PARAGRAPH,
    TextItem,
    rich_text_items,
    text_items,
    truncate_words,
)

TODAY = date(2026, 11, 28)
SUFFIX = " | BTOB Services"
FILLER = [
    "Investors weigh geology, permits and power before they commit capital.",
    "Roads to the western districts remain slow in the monsoon season.",
    "Local partners know the provincial rules and the community leaders.",
    "Smaller firms often start with a survey licence before a lease.",
    "Buyers in Europe ask for traceable supply from each mine site.",
]


def words_text(count: int) -> str:
    """About `count` words of varied, plain sentences (ten to eleven words each)."""
    sentences, total, index = [], 0, 0
    while total < count:
        sentence = FILLER[index % len(FILLER)]
        sentences.append(sentence)
        total += len(sentence.split())
        index += 1
    return " ".join(sentences)


def exact_words(count: int) -> str:
    return " ".join(["mine"] * count) + "."


def paragraph(html: str) -> list[TextItem]:
    return rich_text_items(f"<p>{html}</p>")


def heading(text: str, level: int = 2) -> list[TextItem]:
    return [TextItem(HEADING, text, level=level)]


def section(title: str, text: str = "Some text.") -> list[TextItem]:
    return [*heading(title, level=3), *paragraph(text)]


def article(
    *, title: str = "Copper in Balochistan", introduction: str = "", body=(), **fields
) -> ArticleDocument:
    """A document as the adapter makes one: the introduction first, and with no
    meta description of its own, the introduction cut to fit."""
    values = {
        "today": TODAY,
        "seo_title": title,
        "title_tag": title + SUFFIX,
        "meta_description": truncate_words(introduction, 155),
        "description_is_fallback": True,
        "slug": "copper-in-balochistan",
        "primary_keyphrase": "copper Balochistan",
        "items": (*text_items(PARAGRAPH, introduction), *body),
        "last_reviewed": TODAY,
        "risk_disclaimer": "Not investment advice.",
        "own_hosts": frozenset({"btobservices.pk"}),
        **fields,
    }
    return ArticleDocument(**values)
