"""The audit and keyword map read latest revisions from their JSON (issue 9):
what they see must be what Wagtail's rebuilt page shows."""

import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import ArticlePage
from articles.seo_analysis.adapters import (
    article_document,
    article_text_items,
    seo_context_build,
)
from articles.seo_analysis.core import analyse
from articles.seo_analysis.services import (
    latest_article_revisions,
    map_articles,
    page_path,
)
from articles.text import LINK
from tests.builders import (
    every_block_body,
    make_article,
    make_image,
    make_mineral,
    paragraph,
)

pytestmark = pytest.mark.django_db


def with_new_draft(page: ArticlePage, **changes) -> ArticlePage:
    """Save a draft over the published `page` with `changes` (and keywords,
    minerals) that differ from the live row."""
    page = ArticlePage.objects.get(pk=page.pk)
    keywords = changes.pop("secondary_keywords", None)
    minerals = changes.pop("minerals", None)
    for name, value in changes.items():
        setattr(page, name, value)
    if keywords is not None:
        page.secondary_keywords = [
            page.secondary_keywords.model(keyword=keyword, sort_order=position)
            for position, keyword in enumerate(keywords)
        ]
    if minerals is not None:
        page.minerals = minerals
    page.save_revision()
    return page


def seen(page: ArticlePage, context) -> dict:
    """Everything the audit and the keyword map take from one article."""
    return {
        "document": article_document(page, context),
        "report": [
            check.as_dict() for check in analyse(article_document(page, context)).checks
        ],
        "path": page_path(page, SimpleNamespace()),
        "title": page.title,
        "keywords": page.keywords,
        "secondary": page.secondary_keyword_list,
        "minerals": sorted(mineral.name for mineral in page.minerals.all()),
    }


def assert_same_as_wagtails_rebuilt_pages() -> list[ArticlePage]:
    fast = latest_article_revisions()
    context = seo_context_build(
        keywords=[(page.pk, page.title, page.keywords) for page in fast]
    )
    for page in fast:
        rebuilt = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
        assert seen(page, context) == seen(rebuilt, context), page.title
    return fast


@pytest.fixture
def seed(db):
    call_command("load_demo_content", stdout=io.StringIO())
    return ArticlePage.objects.get()


def test_seed_article_reads_the_same_live_and_with_a_new_draft(seed):
    [page] = assert_same_as_wagtails_rebuilt_pages()
    assert not page.has_unpublished_changes
    with_new_draft(
        seed,
        title="Copper and gold in Chagai",
        slug="copper-gold-chagai",
        introduction="Chagai copper draws investors to Balochistan.",
        primary_keyword="Chagai copper",
        secondary_keywords=["gold Balochistan", "Reko Diq", "porphyry copper"],
        last_reviewed=date(2020, 1, 1),
        search_description="",
    )
    [page] = assert_same_as_wagtails_rebuilt_pages()
    assert page.title == "Copper and gold in Chagai"
    assert page.url_path.endswith("/copper-gold-chagai/")


def test_block_rich_articles_read_the_same_as_wagtails_rebuilt_pages(db):
    image = make_image("Open pit at Saindak")
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    first = make_article(
        title="Every block",
        slug="every-block",
        body=every_block_body(image),
        hero_image=image,
        minerals=[copper],
        secondary_keywords=["Saindak copper"],
        primary_keyword="copper blocks",
    )
    second = make_article(
        title="Gold in Gilgit",
        slug="gold-gilgit",
        minerals=[gold],
        parent=first.get_parent(),
        primary_keyword="gold Gilgit",
    )
    with_new_draft(
        first,
        body=[*every_block_body(image), *every_block_body(image)],
        minerals=[copper, gold],
        secondary_keywords=["Saindak copper", "gold Gilgit"],
        hero_image=None,
        subtitle="A much longer strapline that the description falls back to",
    )
    with_new_draft(second, slug="gold-in-gilgit", seo_title="Gilgit gold, explained")
    make_article(title="A draft only", slug="draft-only", publish=False)
    pages = assert_same_as_wagtails_rebuilt_pages()
    assert len(pages) == 3
    assert sum(page.has_unpublished_changes for page in pages) == 3


def test_loading_takes_the_same_queries_for_three_articles_as_for_thirty(db):
    image = make_image()
    mineral = make_mineral("Copper")

    def add(count: int) -> int:
        for number in range(count):
            page = make_article(
                title=f"Article {number}",
                slug=None,
                hero_image=image,
                minerals=[mineral],
                secondary_keywords=[f"keyword {number}"],
            )
            with_new_draft(page, introduction=f"Draft {number}")
        with CaptureQueriesContext(connection) as queries:
            latest_article_revisions()
        return len(queries)

    few = add(3)
    assert add(27) == few


def page_link(page: ArticlePage, text: str = "see") -> str:
    return f'<a linktype="page" id="{page.pk}">{text}</a>'


def linking_body(
    image, targets: list[ArticlePage], unlinked: ArticlePage
) -> list[dict]:
    """Every block type, a link to one of `targets` in each kind of rich text, and
    link markup to `unlinked` in plain text, where it is no link."""
    first, second, third, fourth = targets
    return [
        *every_block_body(image),
        paragraph(f"Read {page_link(first)} and {page_link(first, 'again')}."),
        {
            "type": "numbered_section",
            "value": {
                "number": 2,
                "heading": "More",
                "content": [
                    {
                        "type": "list",
                        "value": {"style": "bulleted", "items": [page_link(second)]},
                    }
                ],
            },
        },
        {
            "type": "table",
            "value": {
                "caption": "Links",
                "table": {
                    "columns": [
                        {"type": "text", "heading": "Plain"},
                        {"type": "rich_text", "heading": "Rich"},
                    ],
                    "rows": [{"values": [page_link(unlinked), page_link(third)]}],
                },
            },
        },
        {
            "type": "call_to_action",
            "value": {
                "heading": "Ask",
                "text": f'<p>{page_link(fourth)} <a href="/x/">out</a></p>',
                "button_label": "Go",
            },
        },
    ]


def map_view_of_rebuilt(page: ArticlePage) -> dict:
    """What the keyword map takes from an article, read from Wagtail's rebuilt page
    and the analysis's own text items."""
    rebuilt = ArticlePage.objects.get(pk=page.pk).get_latest_revision_as_object()
    return {
        "pk": rebuilt.pk,
        "title": rebuilt.title,
        "keywords": rebuilt.keywords,
        "minerals": sorted(mineral.name for mineral in rebuilt.minerals.all()),
        "links": {
            item.href.removeprefix("page:")
            for item in article_text_items(rebuilt)
            if item.kind == LINK and item.href.startswith("page:")
        },
    }


def test_keyword_map_reads_what_wagtails_rebuilt_pages_show(seed):
    image = make_image("Open pit at Saindak")
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    others = [
        make_article(title=f"Target {n}", slug=f"target-{n}", minerals=[gold])
        for n in range(4)
    ]
    live = make_article(
        title="Links everywhere",
        slug="links-everywhere",
        body=linking_body(image, others, seed),
        minerals=[copper],
        secondary_keywords=["Saindak copper", "Chagai gold"],
        primary_keyword="copper links",
    )
    drafted = make_article(title="Drafted", slug="drafted", minerals=[copper])
    with_new_draft(
        drafted,
        title="Drafted, renamed",
        body=linking_body(image, others[::-1], seed),
        minerals=[gold],
        secondary_keywords=["gold Gilgit", "Hunza gold"],
        primary_keyword="gold drafts",
    )
    never_published = make_article(
        title="Never published",
        slug="never-published",
        publish=False,
        body=[paragraph(page_link(live))],
    )
    mapped = {
        article.pk: {
            "pk": article.pk,
            "title": article.title,
            "keywords": article.keywords,
            "minerals": article.minerals,
            "links": set(article.links),
        }
        for article in map_articles(ArticlePage.objects.all())
    }
    pages = [seed, *others, live, drafted, never_published]
    assert mapped == {page.pk: map_view_of_rebuilt(page) for page in pages}
    assert mapped[live.pk]["links"] == {str(page.pk) for page in others}
    assert mapped[drafted.pk]["title"] == "Drafted, renamed"
    assert mapped[drafted.pk]["minerals"] == ["Gold"]
    assert mapped[never_published.pk]["links"] == {str(live.pk)}
