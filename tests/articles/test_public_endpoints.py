import xml.etree.ElementTree as ET  # noqa: N817

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import RequestFactory
from django.views.defaults import server_error
from wagtail.search.backends import get_search_backend

from tests.builders import make_article, make_mineral

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.mark.django_db
def test_sitemap_lists_live_indexable_pages_with_lastmod(client):
    live = make_article(title="Live", slug="live")
    hidden = make_article(title="Hidden", slug="hidden", noindex=True)
    draft = make_article(title="Draft", slug="draft", publish=False)

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314
    entries = {
        url.find("s:loc", SITEMAP_NS).text: url.find("s:lastmod", SITEMAP_NS)
        for url in root.findall("s:url", SITEMAP_NS)
    }
    assert f"http://testserver{live.url}" in entries
    assert entries[f"http://testserver{live.url}"] is not None
    assert f"http://testserver{hidden.url}" not in entries
    assert not any(draft.slug in loc for loc in entries)
    assert "http://testserver/" in entries


@pytest.mark.django_db
def test_robots_txt_points_to_sitemap_and_hides_admins(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /django-admin/" in lines


@pytest.mark.django_db
def test_feed_is_valid_rss_with_latest_articles(client):
    copper = make_mineral("Copper")
    make_article(title="First", slug="first", minerals=[copper])
    make_article(title="Second", slug="second")
    make_article(title="Hidden", slug="hidden", noindex=True)
    make_article(title="Draft", slug="draft", publish=False)

    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314
    titles = sorted(item.findtext("title") for item in channel.findall("item"))
    assert titles == ["First", "Second"]
    first = next(i for i in channel.findall("item") if i.findtext("title") == "First")
    assert first.findtext("link") == "http://testserver/insights/first/"
    assert first.findtext("category") == "Copper"
    assert first.findtext("pubDate")


IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


@pytest.mark.django_db
def test_search_finds_articles_by_body_text(
    client, settings, django_capture_on_commit_callbacks
):
    # Wagtail 8 indexes through background tasks; run them in-process here.
    settings.TASKS = IMMEDIATE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        make_article(
            title="Tungsten outlook",
            slug="tungsten",
            body=[
                {"type": "paragraph", "value": "<p>Wolframite veins in Chitral.</p>"}
            ],
        )
        make_article(title="Copper", slug="copper")
    response = client.get("/search/", {"q": "wolframite"})
    soup = BeautifulSoup(response.content, "html5lib")
    results = [h.get_text(strip=True) for h in soup.select(".search-results h2")]
    assert results == ["Tungsten outlook"]
    response = client.get("/search/", {"q": "molybdenum"})
    assert BeautifulSoup(response.content, "html5lib").select(".search-results") == []


@pytest.mark.django_db
def test_search_uses_postgres_full_text_on_postgres():
    backend = get_search_backend()
    expected = {
        "postgresql": "PostgresSearchBackend",
        "sqlite": "SQLiteSearchBackend",
    }[connection.vendor]
    assert type(backend).__name__ == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "a" * 5000, "copper\x00", "'; DROP TABLE x; --", "<script>", "&&||!!"],
)
def test_search_survives_hostile_queries(client, query):
    make_article()
    response = client.get("/search/", {"q": query, "page": "abc"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html5lib")
    assert soup.find("script", string=lambda s: s and "<script>" in s) is None


@pytest.mark.django_db
def test_search_rejects_post(client):
    assert client.post("/search/", {"q": "copper"}).status_code == 405


@pytest.mark.django_db
def test_unknown_page_gets_the_404_template(client):
    make_article()
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    soup = BeautifulSoup(response.content, "html5lib")
    assert soup.h1.get_text(strip=True) == "Page not found"
    assert soup.find("a", href="/search/") is not None


def test_500_template_renders_without_a_database():
    request = RequestFactory().get("/")
    response = server_error(request)
    assert response.status_code == 500
    soup = BeautifulSoup(response.content, "html5lib")
    assert soup.h1.get_text(strip=True) == "Something went wrong"
    assert soup.html["lang"] == "en"
