"""Who reaches the SEO analysis endpoints, and for which pages."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission

from articles.models import StandardPage
from tests.articles.seo_analysis.form_data import article_form_data
from tests.builders import make_article, make_home, make_index, make_mineral

MISSING_PAGE_ID = 987654


@pytest.fixture
def standard_page(db):
    page = make_home().add_child(instance=StandardPage(title="About us", slug="about"))
    page.save_revision().publish()
    return page


def test_analysis_of_an_article_answers_200(editor):
    article = make_article()
    url = reverse("articles_seo_analysis", args=[article.pk])
    response = editor.post(url, article_form_data(slug=article.slug))
    assert response.status_code == 200


def test_analysis_of_a_page_that_is_not_an_article_is_404(editor, standard_page):
    url = reverse("articles_seo_analysis", args=[standard_page.pk])
    assert editor.post(url, article_form_data()).status_code == 404


def test_analysis_of_a_missing_page_is_404(editor):
    url = reverse("articles_seo_analysis", args=[MISSING_PAGE_ID])
    assert editor.post(url, article_form_data()).status_code == 404


def test_new_article_analysis_under_a_page_that_takes_no_articles_is_404(
    editor, standard_page
):
    for parent_id in (standard_page.pk, MISSING_PAGE_ID):
        url = reverse("articles_seo_analysis_on_create", args=[parent_id])
        assert editor.post(url, article_form_data()).status_code == 404


def test_new_article_analysis_under_an_article_index_answers_200(editor):
    url = reverse("articles_seo_analysis_on_create", args=[make_index().pk])
    assert editor.post(url, article_form_data()).status_code == 200


def desk_editor(client, index):
    """A Wagtail user who may edit the pages under `index` only."""
    group = Group.objects.create(name="Copper desk")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=group,
        page=index,
        permission=Permission.objects.get(codename="change_page"),
    )
    user = get_user_model().objects.create_user("desk", password="a long password")
    user.groups.add(group)
    client.force_login(user)
    return client


def test_keyword_map_shows_only_articles_the_user_may_edit(client, db):
    copper = make_mineral("Copper")
    ours = make_index(title="Copper desk", slug="copper-desk")
    theirs = make_index(title="Gold desk", slug="gold-desk")
    make_article(
        title="Reko Diq guide",
        primary_keyword="Reko Diq copper",
        minerals=[copper],
        parent=ours,
    )
    make_article(
        title="Copper outlook",
        primary_keyword="copper outlook 2026",
        minerals=[copper],
        parent=ours,
    )
    make_article(
        title="Confidential copper bid",
        primary_keyword="copper in Reko Diq",
        secondary_keywords=["Chagai copper"],
        minerals=[copper],
        parent=theirs,
    )
    response = desk_editor(client, ours).get(reverse("articles_keyword_map"))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html5lib")
    keywords = {row["data-keyword"] for row in soup.select("tr[data-keyword]")}
    assert keywords == {"Reko Diq copper", "copper outlook 2026"}
    linked = {
        link.get_text(strip=True) for link in soup.select("section a[href*='/pages/']")
    }
    suggested = {
        cell.get_text(strip=True)
        for row in soup.select("[data-suggestion]")
        for cell in row.find_all("td")[:2]
    }
    assert linked <= {"Reko Diq guide", "Copper outlook"}
    assert suggested == {"Reko Diq guide", "Copper outlook"}
    assert "Confidential copper bid" not in soup.get_text()
    assert not soup.select("tr[data-collision]")


def test_keyword_map_shows_a_superuser_every_article(editor):
    make_article(title="Reko Diq guide", primary_keyword="Reko Diq copper")
    make_article(
        title="Confidential copper bid",
        primary_keyword="Chagai copper",
        parent=make_index(title="Gold desk", slug="gold-desk"),
    )
    soup = BeautifulSoup(
        editor.get(reverse("articles_keyword_map")).content, "html5lib"
    )
    keywords = {row["data-keyword"] for row in soup.select("tr[data-keyword]")}
    assert keywords == {"Reko Diq copper", "Chagai copper"}
