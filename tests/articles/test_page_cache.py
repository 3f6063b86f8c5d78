import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from wagtail.models import PageViewRestriction

from articles.models import Author, SiteSettings, StandardPage
from articles.page_cache import page_cache_generation, page_cache_key
from tests.builders import make_article, make_home, make_index, make_mineral

pytestmark = pytest.mark.django_db


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html5lib")


def is_cached(response) -> bool:
    return cache.get(page_cache_key(response.wsgi_request)) is not None


@pytest.fixture
def about():
    page = make_home().add_child(
        instance=StandardPage(title="About us", slug="about", show_in_menus=True)
    )
    page.save_revision().publish()
    return page


@pytest.mark.parametrize("make_page", [make_home, make_index, make_article])
def test_every_page_type_is_cached_and_a_hit_costs_no_routing_queries(
    client, django_assert_max_num_queries, make_page
):
    page = make_page()
    first = client.get(page.url)
    assert first.status_code == 200
    assert is_cached(first)
    # One cache read (the database cache's SELECT); no routing, no rendering.
    with django_assert_max_num_queries(1):
        second = client.get(page.url)
    assert parse(second).find("title") == parse(first).find("title")


def test_standard_page_is_cached(client, about):
    assert is_cached(client.get(about.url))


def test_tracking_parameters_share_the_entry_of_the_bare_path(
    client, django_assert_max_num_queries
):
    article = make_article()
    client.get(article.url)
    with django_assert_max_num_queries(1):
        response = client.get(article.url, {"utm_source": "newsletter", "gclid": "x"})
    assert response.status_code == 200


def test_other_query_strings_are_never_stored(client):
    index = make_index()
    make_article(minerals=[make_mineral("Copper")])
    response = client.get(index.url, {"mineral": "copper"})
    assert response.status_code == 200
    assert page_cache_key(response.wsgi_request) is None
    assert not is_cached(client.get(index.url, {"page": "1"}))


def test_signed_in_staff_are_never_served_or_stored(client, admin_user):
    article = make_article()
    client.force_login(admin_user)
    response = client.get(article.url)
    assert response.status_code == 200
    assert page_cache_key(response.wsgi_request) is None
    anonymous_key = page_cache_key(RequestFactory().get(article.url))
    assert cache.get(anonymous_key) is None


def test_responses_other_than_pages_are_not_stored(client):
    make_article()
    assert not is_cached(client.get("/search/"))
    assert not is_cached(client.get("/no-such-page/"))


def test_a_restricted_page_is_never_stored(client):
    article = make_article()
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    response = client.get(article.url)
    assert not is_cached(response)
    assert parse(response).find("h1", string=article.title) is None


def test_a_page_made_private_is_no_longer_served_from_the_cache(client):
    section = make_index(title="Members", slug="members")
    article = make_article(parent=section)
    assert parse(client.get(article.url)).find("h1").get_text() == article.title
    assert is_cached(client.get(article.url))
    # Restricting its section makes the article private too.
    restriction = PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    page = parse(client.get(article.url))
    assert page.find("h1", string=article.title) is None
    assert page.find("input", attrs={"name": "password"}) is not None
    restriction.delete()
    assert parse(client.get(article.url)).find("h1").get_text() == article.title


def test_publishing_unpublishing_and_deleting_reach_the_next_reader(client):
    article = make_article()
    client.get(article.url)
    article.title = "Gold in Balochistan"
    article.save_revision().publish()
    assert parse(client.get(article.url)).find("h1").get_text() == article.title
    article.unpublish()
    assert client.get(article.url).status_code == 404
    article.save_revision().publish()
    index_url = make_index().url

    def listed() -> str:
        return parse(client.get(index_url)).find("main").get_text(" ")

    assert "Gold in Balochistan" in listed()
    article.delete()
    assert "Gold in Balochistan" not in listed()


def test_moving_a_page_reaches_the_next_reader(client, about):
    article = make_article()
    old_url = article.url
    client.get(old_url)
    other = make_home().add_child(
        instance=type(make_index())(title="Archive", slug="archive")
    )
    article.move(other, pos="last-child")
    # Wagtail's redirects app sends the old address on; a stale copy would not.
    response = client.get(old_url)
    assert response.status_code == 301
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        lambda: _save_settings(organisation_name="Renamed Advisory"),
        lambda: _rename(make_mineral("Copper"), "Renamed Advisory"),
        lambda: _rename(Author.objects.get(), "Renamed Advisory"),
    ],
    ids=["site settings", "mineral", "author"],
)
def test_changing_what_every_page_shows_reaches_the_next_reader(client, change):
    author = Author.objects.create(name="Research desk")
    article = make_article(minerals=[make_mineral("Copper")], author=author)
    assert "Renamed Advisory" not in parse(client.get(article.url)).get_text()
    change()
    assert "Renamed Advisory" in parse(client.get(article.url)).get_text()


def _save_settings(**fields) -> None:
    settings = SiteSettings.for_site(make_home().get_site())
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()


def _rename(obj, name: str) -> None:
    obj.name = name
    obj.save()


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
def test_a_page_kept_before_its_change_commits_is_retired_by_the_commit(
    django_capture_on_commit_callbacks,
):
    # With Redis (not part of the database's transaction) a reader served
    # between a publish's signal and its commit still sees the old page, and
    # keeps it under the generation the signal made: the commit retires that.
    article = make_article()
    before = page_cache_generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.title = "Gold in Balochistan"
        article.save_revision().publish()
    during = page_cache_generation()
    assert during != before
    for callback in callbacks:
        callback()
    assert page_cache_generation() not in (before, during)
