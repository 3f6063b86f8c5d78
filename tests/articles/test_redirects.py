"""Renamed and moved pages keep their old addresses (wagtail.contrib.redirects)."""

import pytest

from articles.models import ArticleIndexPage
from tests.builders import make_article, make_home

# Wagtail makes the redirect when the rename commits (transaction.on_commit).
pytestmark = pytest.mark.django_db(transaction=True)


def follows_to(client, old: str, new: str) -> bool:
    response = client.get(old)
    return response.status_code == 301 and response["Location"] == new


def rename(page, slug: str):
    page.slug = slug
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def test_a_renamed_page_redirects_permanently(client):
    article = make_article(slug="copper")
    old = article.url
    article = rename(article, "copper-and-gold")
    assert follows_to(client, old, article.url)
    assert client.get(article.url).status_code == 200


def test_a_second_rename_sends_both_old_addresses_to_the_newest(client):
    article = make_article(slug="copper")
    first = article.url
    article = rename(article, "copper-and-gold")
    second = article.url
    article = rename(article, "reko-diq")
    assert follows_to(client, first, article.url)
    assert follows_to(client, second, article.url)


def test_a_moved_page_and_its_children_redirect(client):
    article = make_article(slug="copper")
    index = article.get_parent()
    old_index, old_article = index.url, article.url
    archive = make_home().add_child(
        instance=ArticleIndexPage(title="Archive", slug="archive")
    )
    # Renaming the index moves every article under it.
    rename(index.specific, "analysis")
    article.refresh_from_db()
    assert follows_to(client, old_index, "/analysis/")
    assert follows_to(client, old_article, article.url)
    article.move(archive, pos="last-child")
    article.refresh_from_db()
    assert article.url == "/archive/copper/"
    assert follows_to(client, "/analysis/copper/", article.url)
