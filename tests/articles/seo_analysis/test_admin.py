"""Stored scores, the Articles listing with its SEO column, and the keyword map."""

import io

from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse

from articles.models import ArticleSeoReport
from tests.articles.seo_analysis.form_data import article_form_data
from tests.builders import make_article, make_mineral, paragraph


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html5lib")


def store(page, seo_score: int) -> None:
    ArticleSeoReport.objects.create(
        page=page, seo_score=seo_score, readability_score=50, problems=3
    )


def test_saving_in_the_editor_stores_the_draft_score(editor):
    page = make_article(primary_keyword="")
    assert not ArticleSeoReport.objects.filter(page=page).exists()
    response = editor.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        article_form_data(slug=page.slug),
    )
    assert response.status_code == 302
    stored = ArticleSeoReport.objects.get(page=page)
    checks = {check["id"]: check["status"] for check in stored.checks}
    assert checks["keyphrase_length"] == "good"
    assert len(checks) == 25
    assert stored.problems == sum(status == "bad" for status in checks.values())


def listing_titles(soup) -> list[str]:
    return [
        row.select_one("td.title a").get_text(strip=True)
        for row in soup.select("table.listing tbody tr")
    ]


def test_listing_shows_scores_and_orders_by_them(editor):
    weak = make_article(title="Weak article")
    strong = make_article(title="Strong article")
    make_article(title="Unscored article")
    store(weak, 40)
    store(strong, 90)
    soup = soup_of(editor.get(reverse("articles:index"), {"ordering": "seo_score"}))
    headers = [th.get_text(" ", strip=True) for th in soup.select("table.listing th")]
    assert any("SEO score" in header for header in headers)
    assert listing_titles(soup)[:2] == ["Weak article", "Strong article"]
    cells = {
        row.select_one("td.title a").get_text(strip=True): row.select_one(
            "[data-score-cell]"
        )
        for row in soup.select("table.listing tbody tr")
    }
    assert cells["Weak article"]["data-needs-work"] == "true"
    assert cells["Strong article"]["data-needs-work"] == "false"
    assert "not scored" in cells["Unscored article"].get_text()


def test_searching_the_listing_keeps_the_score_ordering(editor):
    store(make_article(title="Copper strong"), 90)
    store(make_article(title="Copper weak"), 40)
    store(make_article(title="Gold weak"), 30)
    # Wagtail indexes in a background task; the test has no worker.
    call_command("update_index", stdout=io.StringIO())
    url = reverse("articles:index")
    soup = soup_of(editor.get(url, {"q": "copper", "ordering": "-seo_score"}))
    assert listing_titles(soup) == ["Copper strong", "Copper weak"]
    soup = soup_of(editor.get(url, {"q": "copper", "ordering": "seo_score"}))
    assert listing_titles(soup) == ["Copper weak", "Copper strong"]


def test_needs_work_filter_finds_low_and_unscored_articles(editor):
    store(make_article(title="Weak article"), 40)
    store(make_article(title="Strong article"), 90)
    make_article(title="Unscored article")
    url = reverse("articles:index")
    soup = soup_of(editor.get(url, {"seo": "needs_work"}))
    assert sorted(listing_titles(soup)) == ["Unscored article", "Weak article"]
    soup = soup_of(editor.get(url, {"seo": "good"}))
    assert listing_titles(soup) == ["Strong article"]


def test_keyword_map_groups_by_mineral_and_marks_collisions(editor):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    make_article(
        title="Reko Diq guide",
        primary_keyword="Reko Diq copper",
        secondary_keywords=["Balochistan gold"],
        minerals=[copper, gold],
    )
    make_article(
        title="Copper outlook",
        primary_keyword="copper in Reko Diq",
        minerals=[copper],
    )
    make_article(title="Salt mines", primary_keyword="Khewra salt")
    soup = soup_of(editor.get(reverse("articles_keyword_map")))
    groups = {
        section.h2.get_text(strip=True): [
            row["data-keyword"] for row in section.select("tbody tr")
        ]
        for section in soup.select("section.keyword-group")
    }
    assert groups == {
        "Copper": ["Reko Diq copper", "Balochistan gold", "copper in Reko Diq"],
        "Gold": ["Reko Diq copper", "Balochistan gold"],
        "No mineral": ["Khewra salt"],
    }
    collisions = {row["data-keyword"] for row in soup.select("tr[data-collision]")}
    assert collisions == {"Reko Diq copper", "copper in Reko Diq"}


def test_keyword_map_suggests_links_only_where_none_exist(editor):
    copper = make_mineral("Copper")
    guide = make_article(title="Reko Diq guide", minerals=[copper])
    outlook = make_article(
        title="Copper outlook",
        minerals=[copper],
        body=[paragraph(f'See <a linktype="page" id="{guide.pk}">the guide</a>.')],
    )
    make_article(title="Salt mines")
    soup = soup_of(editor.get(reverse("articles_keyword_map")))
    suggested = {row["data-suggestion"] for row in soup.select("[data-suggestion]")}
    assert suggested == {f"{guide.pk}-{outlook.pk}"}
