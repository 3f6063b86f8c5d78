"""The edge-cache contract: who may keep a page, and that every anonymous reader
of one address gets the same bytes (issue 9)."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from wagtail.models import PageViewRestriction

from articles.models import SeoPage, StandardPage
from tests.builders import make_article, make_home, make_index, make_mineral
from tests.leads.builders import make_site_pages

pytestmark = pytest.mark.django_db


def cache_control(response) -> dict:
    """Directive -> value (True when it has none), as a cache reads the header."""
    directives = {}
    for part in response.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value or True
    return directives


def assert_public(response, settings) -> None:
    assert response.status_code == 200
    directives = cache_control(response)
    assert directives.get("public") is True, response.get("Cache-Control")
    assert "private" not in directives
    assert "no-store" not in directives and "no-cache" not in directives
    assert int(directives["s-maxage"]) == settings.PAGE_CACHE_SECONDS
    assert int(directives["max-age"]) <= 60
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def assert_private(response) -> None:
    directives = cache_control(response)
    assert "public" not in directives
    assert directives.get("private") is True or directives.get("no-store") is True


@pytest.fixture
def site_pages():
    return make_site_pages()


@pytest.fixture
def public_urls(site_pages):
    make_mineral("Copper")
    index = make_index()
    article = make_article()
    return [
        make_home().url,
        index.url,
        article.url,
        site_pages["privacy"].url,
        site_pages["contact"].url,
        site_pages["thank_you"].url,
        "/feed/",
        "/sitemap.xml",
        "/robots.txt",
    ]


def test_every_public_page_is_public_with_s_maxage_on_miss_and_on_hit(
    settings, public_urls
):
    for url in public_urls:
        first = Client().get(url)
        assert_public(first, settings)
        second = Client().get(url)
        assert_public(second, settings)
        assert second.content == first.content, url


def test_head_is_public_too(settings, public_urls):
    for url in public_urls:
        assert_public(Client().head(url), settings)


def test_two_anonymous_readers_get_byte_identical_html_with_the_form(
    settings, site_pages
):
    article = make_article()
    first, second = Client().get(article.url), Client().get(article.url)
    assert first.content == second.content
    form = BeautifulSoup(first.content, "html5lib").select_one("form.lead-form")
    assert form is not None
    # Nothing per reader sits in the shared HTML: the script fills these in.
    for name in ("form_token", "referrer", "utm_source", "utm_campaign"):
        assert not form.find("input", attrs={"name": name}).get("value")


def test_tracking_parameters_get_the_bytes_of_the_bare_path(settings, site_pages):
    article = make_article()
    bare = Client().get(article.url)
    tagged = Client().get(
        article.url, {"utm_source": "linkedin", "utm_campaign": "q3", "fbclid": "x"}
    )
    assert_public(tagged, settings)
    assert tagged.content == bare.content


def test_another_query_string_is_private(settings, site_pages):
    index = make_index()
    make_article()
    response = Client().get(index.url, {"page": "1"})
    assert response.status_code == 200
    assert_private(response)


def test_a_signed_in_editor_is_never_sent_a_public_page(
    settings, admin_user, site_pages
):
    article = make_article()
    Client().get(article.url)  # cached for anonymous readers
    editor = Client()
    editor.force_login(admin_user)
    response = editor.get(article.url)
    assert response.status_code == 200
    assert_private(response)


def test_a_session_cookie_alone_makes_it_private(settings, site_pages):
    article = make_article()
    Client().get(article.url)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "whatever"
    assert_private(client.get(article.url))


def test_a_page_behind_a_password_is_never_public(settings, site_pages):
    page = make_home().add_child(instance=StandardPage(title="Board", slug="board"))
    page.save_revision().publish()
    PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    response = Client().get(page.url)
    assert "public" not in cache_control(response)


def test_a_response_that_sets_a_cookie_is_never_public(
    settings, site_pages, monkeypatch
):
    """Whatever sets it, a cookie keeps a page out of shared caches."""
    original = SeoPage.serve

    def serve_with_cookie(self, request, *args, **kwargs):
        response = original(self, request, *args, **kwargs)
        response.set_cookie("reader", "one")
        return response

    monkeypatch.setattr(SeoPage, "serve", serve_with_cookie)
    article = make_article()
    response = Client().get(article.url)
    assert response.cookies
    assert_private(response)


def test_preview_is_never_public(admin_user, site_pages):
    article = make_article()
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/pages/{article.pk}/edit/preview/?mode=")
    assert "public" not in cache_control(response)


def test_not_found_is_not_public(site_pages):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "public" not in cache_control(response)


def test_the_form_token_endpoint_is_no_store_and_queries_nothing(
    django_assert_num_queries, site_pages
):
    with django_assert_num_queries(0):
        response = Client().get("/leads/form-token/")
    assert response.status_code == 200
    assert cache_control(response).get("no-store") is True
    assert response.json()["token"]
    assert not response.cookies
    assert Client().get("/leads/form-token/").json() != response.json()
