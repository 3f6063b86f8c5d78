import json
from datetime import date

import pytest
from bs4 import BeautifulSoup

from articles.models import SiteSettings
from tests.builders import make_article, make_image, make_mineral


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html5lib")


def meta(soup, **attrs) -> list[str]:
    return [tag["content"] for tag in soup.find_all("meta", attrs=attrs)]


def graph(soup) -> dict[str, dict]:
    scripts = soup.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    return {node["@type"]: node for node in data["@graph"]}


@pytest.fixture
def article(db):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    page = make_article(
        title="Reko Diq: copper and gold for the next century",
        primary_keyword="Reko Diq copper",
        secondary_keywords=["Balochistan gold", "copper investment Pakistan"],
        minerals=[copper, gold],
        hero_image=make_image("Hero", description="Open-pit copper mine"),
        date_published=date(2026, 3, 2),
    )
    page.tags.add("Balochistan")
    page.save_revision().publish()
    return page


@pytest.mark.django_db
def test_article_head_has_title_description_and_canonical(client, article):
    soup = soup_of(client.get(article.url))
    assert soup.html["lang"] == "en"
    assert len(soup.find_all("h1")) == 1
    assert soup.h1.get_text(strip=True) == article.title
    assert soup.title.string == f"{article.title} | BTOB Services"
    description = meta(soup, name="description")
    assert description == ["Copper deposits in Balochistan draw global investors."]
    canonical = soup.find_all("link", rel="canonical")
    assert [link["href"] for link in canonical] == [f"http://testserver{article.url}"]
    assert meta(soup, name="robots") == ["index, follow, max-image-preview:large"]
    assert soup.find("article") is not None
    assert soup.find("time")["datetime"] == "2026-03-02"


@pytest.mark.django_db
def test_article_open_graph_and_twitter(client, article):
    soup = soup_of(client.get(article.url))
    assert meta(soup, property="og:type") == ["article"]
    assert meta(soup, property="og:title") == [article.title]
    assert meta(soup, property="og:url") == [f"http://testserver{article.url}"]
    assert meta(soup, property="og:site_name") == ["BTOB Services"]
    [image] = meta(soup, property="og:image")
    assert image.startswith("http://testserver/media/images/")
    assert meta(soup, property="og:image:width") == ["1200"]
    assert meta(soup, property="og:image:height") == ["630"]
    assert meta(soup, property="article:published_time") == ["2026-03-02"]
    assert len(meta(soup, property="article:modified_time")) == 1
    assert meta(soup, property="article:section") == ["Copper", "Gold"]
    assert meta(soup, property="article:tag") == ["Balochistan"]
    assert meta(soup, name="twitter:card") == ["summary_large_image"]
    assert meta(soup, name="twitter:image") == [image]


@pytest.mark.django_db
def test_article_json_ld_graph(client, article):
    soup = soup_of(client.get(article.url))
    nodes = graph(soup)
    assert set(nodes) == {
        "Organization",
        "WebSite",
        "WebPage",
        "Article",
        "BreadcrumbList",
    }
    search = nodes["WebSite"]["potentialAction"]
    assert search["@type"] == "SearchAction"
    assert search["target"]["urlTemplate"] == (
        "http://testserver/search/?q={search_term_string}"
    )
    story = nodes["Article"]
    assert story["headline"] == article.title
    assert story["keywords"] == [
        "Reko Diq copper",
        "Balochistan gold",
        "copper investment Pakistan",
    ]
    assert story["articleSection"] == ["Copper", "Gold"]
    assert story["datePublished"] == "2026-03-02"
    assert story["dateModified"]
    assert story["description"] == meta(soup, name="description")[0]
    assert story["image"]["url"] == meta(soup, property="og:image")[0]
    assert story["publisher"] == {"@id": nodes["Organization"]["@id"]}
    assert story["mainEntityOfPage"] == {"@id": nodes["WebPage"]["@id"]}
    crumbs = nodes["BreadcrumbList"]["itemListElement"]
    assert [c["position"] for c in crumbs] == [1, 2, 3]
    assert crumbs[-1]["item"] == f"http://testserver{article.url}"


@pytest.mark.django_db
def test_organization_from_site_settings(client, article):
    settings = SiteSettings.for_site(article.get_site())
    settings.organisation_name = "BTOB Services (Pvt) Ltd"
    settings.linkedin_url = "https://www.linkedin.com/company/btob"
    settings.x_url = "https://x.com/btob"
    settings.logo = make_image("Logo", size=(240, 240))
    settings.save()
    organization = graph(soup_of(client.get(article.url)))["Organization"]
    assert organization["name"] == "BTOB Services (Pvt) Ltd"
    assert organization["sameAs"] == [
        "https://www.linkedin.com/company/btob",
        "https://x.com/btob",
    ]
    assert organization["logo"]["url"].startswith("http://testserver/media/")


@pytest.mark.django_db
def test_long_title_headline_is_cut_to_110_characters(client):
    title = " ".join(["Copper"] * 40)
    page = make_article(title=title[:250], slug="long")
    headline = graph(soup_of(client.get(page.url)))["Article"]["headline"]
    assert len(headline) <= 110
    assert headline.endswith("…")


@pytest.mark.django_db
def test_noindex_adds_robots_meta(client):
    page = make_article(noindex=True)
    soup = soup_of(client.get(page.url))
    assert meta(soup, name="robots") == ["noindex, nofollow"]


@pytest.mark.django_db
def test_seo_title_and_canonical_override(client):
    page = make_article(
        seo_title="Copper investment in Pakistan",
        canonical_url="https://example.com/original/",
    )
    soup = soup_of(client.get(page.url))
    assert soup.title.string == "Copper investment in Pakistan | BTOB Services"
    assert soup.find("link", rel="canonical")["href"] == "https://example.com/original/"


@pytest.mark.django_db
def test_title_suffix_comes_from_site_settings(client):
    page = make_article()
    settings = SiteSettings.for_site(page.get_site())
    settings.title_suffix = "BTOB"
    settings.save()
    soup = soup_of(client.get(page.url))
    assert soup.title.string == f"{page.title} | BTOB"


@pytest.mark.django_db
def test_description_falls_back_to_first_paragraph_cut_at_a_word(client):
    long_text = "Pakistan's copper belt " + "stretches across Balochistan " * 12
    page = make_article(
        subtitle="Short",
        introduction="",
        body=[{"type": "paragraph", "value": f"<p><b>{long_text}</b></p>"}],
    )
    [description] = meta(soup_of(client.get(page.url)), name="description")
    assert len(description) <= 155
    assert description.endswith("…")
    assert description[:-1] == long_text[: len(description) - 1].rstrip()
    assert not description[:-1].endswith(" ")


@pytest.mark.django_db
def test_description_prefers_search_description_then_a_long_subtitle(client):
    subtitle = (
        "Why Reko Diq's copper and gold make Balochistan a frontier for investors"
    )
    page = make_article(subtitle=subtitle)
    assert meta(soup_of(client.get(page.url)), name="description") == [subtitle]
    page.search_description = "Written by an editor."
    page.save_revision().publish()
    assert meta(soup_of(client.get(page.url)), name="description") == [
        "Written by an editor."
    ]


@pytest.mark.django_db
def test_social_image_prefers_social_then_hero_then_default(client):
    default = make_image("Default")
    page = make_article()
    settings = SiteSettings.for_site(page.get_site())
    settings.default_social_image = default
    settings.save()

    def og_image_source():
        [url] = meta(soup_of(client.get(page.url)), property="og:image")
        return url

    assert "/images/test" in og_image_source()
    default_url = og_image_source()
    page.hero_image = make_image("Hero")
    page.save_revision().publish()
    assert og_image_source() != default_url
    hero_url = og_image_source()
    page.social_image = make_image("Social")
    page.save_revision().publish()
    assert og_image_source() not in (default_url, hero_url)


@pytest.mark.django_db
def test_every_image_has_alt_width_and_height_and_modern_formats(client):
    image = make_image("Body image")
    page = make_article(
        hero_image=make_image("Hero"),
        body=[
            {
                "type": "image",
                "value": {"image": image.pk, "alt_text": "Core samples", "caption": ""},
            }
        ],
    )
    soup = soup_of(client.get(page.url))
    images = soup.find_all("img")
    assert images
    for img in images:
        assert img.has_attr("alt")
        assert img["width"].isdigit() and img["height"].isdigit()
    body_picture = soup.find("figure", class_="figure").picture
    types = [source["type"] for source in body_picture.find_all("source")]
    assert types == ["image/avif", "image/webp"]
    assert body_picture.img["loading"] == "lazy"
    assert body_picture.img["alt"] == "Core samples"
    hero = soup.find("figure", class_="article__hero").img
    assert not hero.has_attr("loading")


@pytest.mark.django_db
def test_feed_is_announced_on_every_public_page(client, article):
    for url in ("/", article.get_parent().url, article.url, "/search/?q=x", "/nope/"):
        response = client.get(url)
        soup = BeautifulSoup(response.content, "html5lib")
        [link] = soup.find_all("link", rel="alternate")
        assert link["type"] == "application/rss+xml"
        assert link["href"] == "/feed/"
