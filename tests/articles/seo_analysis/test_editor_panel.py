"""The SEO panel in the page editor, fed by the form's unsaved content."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from articles.models import SiteSettings
from tests.articles.seo_analysis.form_data import INTRODUCTION, article_form_data
from tests.builders import make_article, make_home


@pytest.fixture
def article(db):
    settings = SiteSettings.for_site(make_home().get_site())
    settings.risk_disclaimer = "Not investment advice."
    settings.save()
    return make_article(
        title="Copper in Balochistan",
        primary_keyword="Reko Diq copper",
        introduction=INTRODUCTION,
    )


def statuses(soup) -> dict[str, str]:
    return {
        item["data-check"]: item["data-status"] for item in soup.select("[data-check]")
    }


def test_edit_view_shows_the_panel_with_scores_checks_previews_and_script(
    editor, article
):
    response = editor.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html5lib")
    panel = soup.select_one("[data-seo-analysis-url]")
    assert panel["data-seo-analysis-url"] == reverse(
        "articles_seo_analysis", args=[article.pk]
    )
    assert len(panel.select("[data-check]")) == 25
    assert panel.select_one("[data-score='seo'] strong").get_text().isdigit()
    assert panel.select_one(".serp__title").get_text() == (
        "Copper in Balochistan | BTOB Services"
    )
    assert (
        "localhost › insights › copper-in-balochistan"
        in panel.select_one(".serp__breadcrumb").get_text()
    )
    scripts = [tag["src"] for tag in soup.find_all("script", src=True)]
    assert any(src.endswith("articles/seo-panel.js") for src in scripts)
    assert statuses(panel)["keyphrase_in_introduction"] == "bad"


def test_panel_analyses_unsaved_changes_without_saving_them(editor, article):
    url = reverse("articles_seo_analysis", args=[article.pk])
    revisions_before = article.revisions.count()
    changed_intro = "Reko Diq copper is the prize in Balochistan, investors say."
    response = editor.post(
        url,
        article_form_data(
            introduction=changed_intro, seo_title="Reko Diq copper: a guide"
        ),
    )
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html5lib")
    found = statuses(soup)
    assert len(found) == 25
    assert found["keyphrase_in_introduction"] == "good"
    assert found["keyphrase_in_title"] == "good"
    assert soup.select_one(".serp__title").get_text() == (
        "Reko Diq copper: a guide | BTOB Services"
    )
    assert soup.select_one(".serp__description").get_text() == changed_intro
    article.refresh_from_db()
    assert article.introduction == INTRODUCTION
    assert article.revisions.count() == revisions_before


def test_unsaved_score_moves_with_the_content(editor, article):
    url = reverse("articles_seo_analysis", args=[article.pk])

    def seo_score(**changes) -> int:
        soup = BeautifulSoup(
            editor.post(url, article_form_data(**changes)).content.decode(), "html5lib"
        )
        return int(soup.select_one("[data-score='seo'] strong").get_text())

    weak = seo_score(primary_keyword="")
    strong = seo_score(
        introduction="Reko Diq copper draws investors to Balochistan.",
        search_description="Reko Diq copper: the deposit, the partners and the "
        "permits investors should know about before they commit capital.",
    )
    assert strong > weak


def test_secondary_keywords_from_the_unsaved_inline_formset_are_read(editor, article):
    url = reverse("articles_seo_analysis", args=[article.pk])
    data = article_form_data(
        secondary_keywords=inline_formset([{"keyword": "copper-gold deposit"}])
    )
    soup = BeautifulSoup(editor.post(url, data).content.decode(), "html5lib")
    assert statuses(soup)["secondary_keyphrases"] == "good"


def test_analysis_needs_edit_permission(client, article):
    other = get_user_model().objects.create_user("reader", "r@example.com", "pw")
    client.force_login(other)
    response = client.post(reverse("articles_seo_analysis", args=[article.pk]), {})
    assert response.status_code in {302, 403}


def test_new_article_panel_posts_to_the_create_analysis(editor, article):
    parent = article.get_parent()
    response = editor.get(
        reverse("wagtailadmin_pages:add", args=["articles", "articlepage", parent.pk])
    )
    soup = BeautifulSoup(response.content, "html5lib")
    panel = soup.select_one("[data-seo-analysis-url]")
    url = reverse("articles_seo_analysis_on_create", args=[parent.pk])
    assert panel["data-seo-analysis-url"] == url
    assert not panel.select("[data-check]")

    data = article_form_data(
        slug="reko-diq-copper-guide",
        introduction="Reko Diq copper draws investors to Balochistan.",
    )
    soup = BeautifulSoup(editor.post(url, data).content.decode(), "html5lib")
    assert statuses(soup)["keyphrase_in_introduction"] == "good"
    assert statuses(soup)["keyphrase_unique"] == "bad"
    assert (
        "insights › reko-diq-copper-guide"
        in soup.select_one(".serp__breadcrumb").get_text()
    )
