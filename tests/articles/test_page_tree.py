import pytest
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from articles.models import (
    ArticleIndexPage,
    ArticlePage,
    HomePage,
    StandardPage,
)
from tests.builders import make_article, make_home, make_index


class PageTreeRulesTests(WagtailPageTestCase):
    def test_home_page_only_at_root(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})

    def test_article_index_only_under_home(self):
        self.assertAllowedParentPageTypes(ArticleIndexPage, {HomePage})

    def test_articles_only_under_an_article_index(self):
        self.assertAllowedParentPageTypes(ArticlePage, {ArticleIndexPage})

    def test_articles_have_no_children(self):
        self.assertAllowedSubpageTypes(ArticlePage, set())

    def test_standard_pages_nest_under_home_or_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})

    def test_article_can_be_created_under_index(self):
        self.assertCanCreateAt(ArticleIndexPage, ArticlePage)
        self.assertCanNotCreateAt(HomePage, ArticlePage)

    def test_only_one_home_page(self):
        make_home()
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))

    def test_article_page_renders(self):
        article = make_article()
        self.assertPageIsRenderable(article)


@pytest.mark.django_db
def test_index_lists_newest_first_and_filters_by_mineral(client):
    from datetime import date

    from tests.builders import make_mineral

    copper, lithium = make_mineral("Copper"), make_mineral("Lithium")
    make_article(
        title="Older copper", date_published=date(2025, 1, 1), minerals=[copper]
    )
    make_article(
        title="Newer lithium", date_published=date(2026, 1, 1), minerals=[lithium]
    )
    index = make_index()

    response = client.get(index.url)
    titles = [a.title for a in response.context["articles"]]
    assert titles == ["Newer lithium", "Older copper"]

    response = client.get(index.url, {"mineral": "copper"})
    assert [a.title for a in response.context["articles"]] == ["Older copper"]


@pytest.mark.django_db
def test_index_paginates_and_survives_bad_page_numbers(client):
    from articles.models import ARTICLES_PER_PAGE

    for number in range(ARTICLES_PER_PAGE + 1):
        make_article(title=f"Article {number}", slug=f"article-{number}")
    index = make_index()

    first = client.get(index.url)
    assert len(first.context["articles"]) == ARTICLES_PER_PAGE
    last = client.get(index.url, {"page": "999"})
    assert last.status_code == 200
    assert len(last.context["articles"]) == 1
    junk = client.get(index.url, {"page": "x'<"})
    assert junk.status_code == 200


@pytest.mark.django_db
def test_related_articles_share_minerals_most_overlap_first(client):
    from tests.builders import make_mineral

    copper, gold, lithium = (make_mineral(n) for n in ("Copper", "Gold", "Lithium"))
    article = make_article(title="Reko Diq", minerals=[copper, gold])
    make_article(title="Copper only", slug="copper-only", minerals=[copper])
    make_article(title="Copper and gold", slug="copper-gold", minerals=[copper, gold])
    make_article(title="Lithium", slug="lithium", minerals=[lithium])
    make_article(title="Draft copper", slug="draft", minerals=[copper], publish=False)

    related = [page.title for page in article.get_related_articles()]
    assert related == ["Copper and gold", "Copper only"]


@pytest.mark.django_db
def test_every_block_type_renders(client):
    from bs4 import BeautifulSoup

    from tests.builders import every_block_body, make_image

    page = make_article(body=every_block_body(make_image()))
    soup = BeautifulSoup(client.get(page.url).content, "html5lib")
    body = soup.select_one(".article__body")
    assert body.find("h2").get_text(strip=True) == "Deposits"
    assert body.select_one(".numbered-section h3").get_text(" ", strip=True) == (
        "1. Porphyry copper"
    )
    assert body.find("ol").find("b").get_text() == "Grade:"
    assert body.find("figcaption").get_text(strip=True) == "Core"
    assert body.select_one(".figure img")["alt"] == "Drill core"
    assert body.find("blockquote").get_text(strip=True) == "A world-class deposit."
    assert body.find("dt").get_text(strip=True) == "Reserves"
    assert [th.get_text() for th in body.find_all("th")] == ["Metal", "Tonnes"]
    assert [td.get_text(strip=True) for td in body.find_all("td")] == [
        "Copper",
        "200000",
    ]
    assert body.select_one(".cta") is not None
    assert body.find("a", href="https://example.com/").get_text() == "Reko Diq"
