"""From ArticlePage to document: what the adapter reads of a page and its site."""

import pytest
from bs4 import BeautifulSoup

from articles.models import (
    ArticlePage,
    ArticleSecondaryKeyword,
    SeoSettings,
    SiteSettings,
)
from articles.seo_analysis.adapters import (
    SeoContext,
    analyse_article,
    article_document,
    seo_context_build,
)
from articles.seo_analysis.keyphrases import keyword_owners
from articles.text import IMAGE_ALT, PARAGRAPH, TextItem
from tests.articles.seo_analysis.documents import TODAY
from tests.builders import make_article, make_home, make_image, paragraph

# Pages are built unsaved, but Page() looks up its content type, which needs the
# database once another test has cleared Django's content-type cache.
pytestmark = pytest.mark.django_db


def article(*, secondary=(), **fields) -> ArticlePage:
    values = {
        "title": "Copper in Balochistan",
        "slug": "copper-in-balochistan",
        "primary_keyword": "copper Balochistan",
        "introduction": "",
        "body": [],
        "last_reviewed": TODAY,
        **fields,
    }
    page = ArticlePage(**values)
    for keyword in secondary:
        page.secondary_keywords.add(ArticleSecondaryKeyword(keyword=keyword))
    return page


def context(**overrides) -> SeoContext:
    settings = SiteSettings(
        title_suffix="BTOB Services",
        risk_disclaimer="Not investment advice.",
    )
    return SeoContext(
        **{
            "site_settings": settings,
            "today": TODAY,
            "own_hosts": frozenset({"btobservices.pk"}),
            **overrides,
        }
    )


def status(page: ArticlePage, check_id: str, **context_overrides) -> str:
    return analyse_article(page, context(**context_overrides)).check(check_id).status


def test_document_holds_the_page_fields_the_analysis_reads():
    page = article(
        seo_title="Copper in Balochistan, explained",
        search_description="All about Balochistan copper.",
        secondary=["Reko Diq"],
    )
    page.pk = 7
    document = article_document(page, context())
    assert document.seo_title == "Copper in Balochistan, explained"
    assert document.title_tag == "Copper in Balochistan, explained | BTOB Services"
    assert document.meta_description == "All about Balochistan copper."
    assert not document.description_is_fallback
    assert document.slug == "copper-in-balochistan"
    assert document.primary_keyphrase == "copper Balochistan"
    assert document.secondary_keyphrases == ("Reko Diq",)
    assert document.last_reviewed == TODAY
    assert document.risk_disclaimer == "Not investment advice."
    assert document.article_id == 7
    assert document.own_hosts == frozenset({"btobservices.pk"})


def test_items_are_the_introduction_the_hero_alt_then_the_body():
    hero = make_image("Hero", description="Open-pit copper mine")
    page = article(
        introduction="Copper draws investors.",
        hero_image=hero,
        body=[paragraph("Reko Diq is large.")],
    )
    assert article_document(page, context()).items == (
        TextItem(PARAGRAPH, "Copper draws investors."),
        TextItem(IMAGE_ALT, "Open-pit copper mine"),
        TextItem(PARAGRAPH, "Reko Diq is large."),
    )


def test_seo_title_is_used_before_the_page_title():
    page = article(title="Gold in Sindh", seo_title="Copper in Balochistan, explained")
    assert status(page, "keyphrase_in_title") == "good"


def test_first_body_paragraph_is_the_introduction_when_the_field_is_empty():
    page = article(body=[paragraph("Copper in Balochistan is the theme.")])
    assert status(page, "keyphrase_in_introduction") == "good"


def test_meta_description_check_reads_the_description_the_page_emits():
    own = article(search_description="All about Balochistan copper for investors.")
    assert status(own, "keyphrase_in_meta_description") == "good"
    fallback = article(introduction="Copper from Balochistan, explained.")
    result = analyse_article(fallback, context()).check("keyphrase_in_meta_description")
    assert result.status == "good"
    assert "not set, so taken from the page text" in result.message
    assert status(article(), "keyphrase_in_meta_description") == "bad"


def test_image_alt_from_body_images_and_the_hero_image():
    image = make_image()
    with_alt = article(
        body=[
            {
                "type": "image",
                "value": {
                    "image": image.pk,
                    "alt_text": "Open-pit copper mine in Balochistan",
                    "caption": "",
                },
            }
        ]
    )
    assert status(with_alt, "keyphrase_in_image_alt") == "good"
    without = article(
        hero_image=make_image("Hero", description="A truck on a dusty road")
    )
    assert status(without, "keyphrase_in_image_alt") == "bad"


def test_keyphrase_of_the_article_itself_is_not_a_collision():
    owners = keyword_owners([(7, "Copper in Balochistan", ["copper Balochistan"])])
    page = article()
    assert status(page, "keyphrase_unique", keyword_owners=owners) == "bad"
    page.pk = 7
    assert status(page, "keyphrase_unique", keyword_owners=owners) == "good"


def test_secondary_keyphrases_come_from_the_pages_inline_keywords():
    text = "Reko Diq gold reserves attract miners."
    page = article(introduction=text, secondary=["gold reserve", "Reko Diq"])
    assert status(page, "secondary_keyphrases") == "good"


def test_own_hosts_make_absolute_links_internal():
    page = article(
        body=[paragraph('<a href="https://btobservices.pk/insights/">Insights</a>')]
    )
    assert status(page, "internal_links") == "good"
    assert status(page, "internal_links", own_hosts=frozenset()) == "bad"


def test_risk_disclaimer_from_site_settings_or_the_text():
    assert status(article(), "risk_disclaimer") == "good"
    bare = SiteSettings(title_suffix="BTOB Services", risk_disclaimer="")
    assert status(article(), "risk_disclaimer", site_settings=bare) == "bad"
    stated = article(introduction="This is not investment advice.")
    assert status(stated, "risk_disclaimer", site_settings=bare) == "good"
    assert status(article(), "risk_disclaimer", site_settings=None) == "bad"


def test_single_h1_agrees_with_the_rendered_page(client):
    page = make_article(
        body=[
            {"type": "heading", "value": {"text": "Output", "level": "h2"}},
            {
                "type": "numbered_section",
                "value": {
                    "number": 1,
                    "heading": "Permits",
                    "content": [paragraph("Some text.")],
                },
            },
            paragraph("Plain text."),
        ]
    )
    soup = BeautifulSoup(client.get(page.url).content, "html5lib")
    assert len(soup.find_all("h1")) == 1
    assert status(page, "single_h1") == "good"
    rendered = [
        tag.get_text(" ", strip=True) for tag in soup.select("main h2, main h3")
    ]
    subheadings = [
        item.text
        for item in article_document(page, context()).items
        if item.kind == "heading"
    ]
    assert all(any(text in shown for shown in rendered) for text in subheadings)


def test_glossary_from_site_settings_extends_the_built_in_one():
    site = make_home().get_site()
    seo_settings = SeoSettings.for_site(site)
    seo_settings.glossary = "heap leaching\n\n  run-of-mine  \n"
    seo_settings.save()
    built = seo_context_build(site=site)
    assert built.glossary[-2:] == ("heap leaching", "run-of-mine")
    assert "beneficiation" in built.glossary
    page = article(introduction="Heap leaching " * 10 + "works for us here.")
    assert analyse_article(page, built).check("sentence_length").status == "good"
