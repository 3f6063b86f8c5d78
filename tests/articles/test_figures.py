"""Market figures: cited in rich text and tables, rendered when the page is."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.models import ReferenceIndex

from articles.blocks import PARAGRAPH_FEATURES
from articles.extensions import REVIEW_REASONS
from articles.figures import MarketFigure, articles_with_stale_figures
from articles.text import PARAGRAPH, stream_text_items
from tests.builders import make_article

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
}


def make_figure(**overrides) -> MarketFigure:
    fields = {
        "name": "Reko Diq copper reserves",
        "value": Decimal("5.9"),
        "unit": "Mt copper",
        "source_url": "https://example.com/reko-diq",
        "as_of": date(2025, 1, 31),
        **overrides,
    }
    return MarketFigure.objects.create(**fields)


def cite(figure) -> str:
    return f'<embed embedtype="figure" id="{figure.pk}"/>'


def citing_article(figure, **overrides):
    body = [{"type": "paragraph", "value": f"<p>Reserves stand at {cite(figure)}.</p>"}]
    return make_article(body=overrides.pop("body", body), **overrides)


def figures_on(client, page) -> list:
    soup = BeautifulSoup(client.get(page.url).content, "html5lib")
    return soup.select("main .market-figure") or soup.select(".market-figure")


def test_readers_see_the_value_unit_as_of_date_and_source(client):
    figure = make_figure()
    article = citing_article(figure)
    (shown,) = figures_on(client, article)
    data = shown.find("data")
    assert data["value"] == "5.9"
    assert data.get_text() == "5.9 Mt copper"
    time = shown.find("time")
    assert time["datetime"] == "2025-01-31"
    assert time.get_text() == "31 January 2025"
    assert shown.find("a")["href"] == "https://example.com/reko-diq"
    assert " ".join(shown.get_text().split()) == (
        "5.9 Mt copper (as of 31 January 2025, source)"
    )


def test_a_figure_without_a_source_has_no_link_and_large_values_are_grouped(client):
    figure = make_figure(value=Decimal("5900000.000000"), unit="t", source_url="")
    (shown,) = figures_on(client, citing_article(figure))
    assert shown.find("a") is None
    assert shown.find("data")["value"] == "5900000"
    assert shown.find("data").get_text() == "5,900,000 t"


def test_a_figure_in_a_table_rich_text_cell_renders_the_same_way(client):
    figure = make_figure()
    table = {
        "type": "table",
        "value": {
            "caption": "Reserves",
            "table": {
                "columns": [
                    {"type": "text", "heading": "Deposit"},
                    {"type": "rich_text", "heading": "Copper"},
                ],
                "rows": [{"values": ["Reko Diq", f"<p>{cite(figure)}</p>"]}],
            },
        },
    }
    article = make_article(body=[table])
    soup = BeautifulSoup(client.get(article.url).content, "html5lib")
    cell = soup.select("table tbody td")[1]
    assert cell.find("data").get_text() == "5.9 Mt copper"
    assert cell.find("time")["datetime"] == "2025-01-31"


def test_changing_a_figure_changes_every_cached_page_citing_it(client):
    figure = make_figure()
    first = citing_article(figure, title="Copper", slug="copper")
    second = citing_article(figure, title="Gold", slug="gold")
    for page in (first, second):
        assert figures_on(client, page)[0].find("data").get_text() == "5.9 Mt copper"
    # Behind the model's back, the cached pages keep the old value...
    MarketFigure.objects.filter(pk=figure.pk).update(value=Decimal("6.1"))
    assert figures_on(client, first)[0].find("data").get_text() == "5.9 Mt copper"
    # ...while saving the figure reaches every page at once.
    figure.refresh_from_db()
    figure.as_of = date(2025, 6, 30)
    figure.save()
    for page in (first, second):
        (shown,) = figures_on(client, page)
        assert shown.find("data").get_text() == "6.1 Mt copper"
        assert shown.find("time")["datetime"] == "2025-06-30"


def test_a_deleted_or_garbled_figure_leaves_nothing_behind(client):
    figure = make_figure()
    body = [
        {
            "type": "paragraph",
            "value": f'<p>A {cite(figure)} and <embed embedtype="figure" id="x"/>.</p>',
        }
    ]
    article = make_article(body=body)
    figure.delete()
    response = client.get(article.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html5lib")
    assert soup.select(".market-figure") == []
    assert soup.find("embed") is None


def test_the_editor_loads_current_words_and_stores_only_the_reference():
    figure = make_figure()
    converter = ContentstateConverter(features=PARAGRAPH_FEATURES)
    contentstate = json.loads(
        converter.from_database_format(f"<p>Reserves: {cite(figure)} today.</p>")
    )
    (block,) = contentstate["blocks"]
    assert block["text"] == "Reserves: 5.9 Mt copper today."
    (entity_range,) = block["entityRanges"]
    assert (entity_range["offset"], entity_range["length"]) == (10, 13)
    entity = contentstate["entityMap"][str(entity_range["key"])]
    assert entity["type"] == "FIGURE"
    assert entity["mutability"] == "IMMUTABLE"
    assert entity["data"]["id"] == str(figure.pk)

    stored = converter.to_database_format(json.dumps(contentstate))
    soup = BeautifulSoup(stored, "html.parser")
    embed = soup.find("embed")
    assert (embed["embedtype"], embed["id"]) == ("figure", str(figure.pk))
    # The words are never stored: the next rendering gets them from the figure.
    assert soup.get_text() == "Reserves:  today."


def test_seo_text_reads_a_figure_as_its_words():
    figure = make_figure()
    article = citing_article(figure)
    items = list(stream_text_items(article.body))
    assert [item.text for item in items if item.kind == PARAGRAPH] == [
        "Reserves stand at 5.9 Mt copper (as of 31 January 2025)."
    ]


@pytest.fixture
def immediate_tasks(settings):
    # Wagtail updates its reference index in a task.
    settings.TASKS = IMMEDIATE_TASKS


def test_the_figure_edit_view_lists_the_pages_citing_it(
    client, admin_user, immediate_tasks
):
    figure = make_figure()
    other = make_figure(name="Thar coal reserves", unit="Bt")
    citing = citing_article(figure, title="Copper outlook", slug="copper-outlook")
    citing_article(other, title="Coal outlook", slug="coal-outlook")
    client.force_login(admin_user)
    edit_url = reverse("wagtailsnippets_articles_marketfigure:edit", args=[figure.pk])
    soup = BeautifulSoup(client.get(edit_url).content, "html5lib")
    links = soup.select("ul.figure-usage a")
    assert [link.get_text() for link in links] == ["Copper outlook"]
    assert links[0]["href"] == reverse("wagtailadmin_pages:edit", args=[citing.pk])
    # Wagtail's own usage view finds the page through the same reference.
    assert ReferenceIndex.get_grouped_references_to(figure).count() == 1
    usage_url = reverse("wagtailsnippets_articles_marketfigure:usage", args=[figure.pk])
    usage = BeautifulSoup(client.get(usage_url).content, "html5lib")
    assert "Copper outlook" in [a.get_text(strip=True) for a in usage.select("td a")]


def test_a_figure_cited_nowhere_says_so(client, admin_user, immediate_tasks):
    figure = make_figure()
    client.force_login(admin_user)
    edit_url = reverse("wagtailsnippets_articles_marketfigure:edit", args=[figure.pk])
    soup = BeautifulSoup(client.get(edit_url).content, "html5lib")
    assert soup.select("ul.figure-usage") == []
    assert "No page cites this figure yet." in soup.get_text()


def test_articles_citing_a_stale_figure_are_due_for_review(immediate_tasks):
    today = timezone.localdate()
    stale = make_figure(as_of=today - timedelta(days=200))
    fresh = make_figure(name="Lithium prices", as_of=today - timedelta(days=10))
    old = citing_article(stale, title="Stale", slug="stale")
    citing_article(fresh, title="Fresh", slug="fresh")

    pairs = articles_with_stale_figures(180)
    assert [page.pk for page, _ in pairs] == [old.pk]
    assert "Reko Diq copper reserves" in pairs[0][1]
    assert articles_with_stale_figures(365) == []
    # The review cycle finds the reasons through its hook.
    hooked = [pair for fn in hooks.get_hooks(REVIEW_REASONS) for pair in fn()]
    assert [page.pk for page, _ in hooked] == [old.pk]


def test_the_figure_listing_and_chooser_give_the_value_with_its_unit(
    client, admin_user
):
    figure = make_figure()
    client.force_login(admin_user)
    listing = client.get(reverse("wagtailsnippets_articles_marketfigure:list"))
    soup = BeautifulSoup(listing.content, "html5lib")
    (row,) = soup.select("table.listing tbody tr")
    cells = [" ".join(cell.get_text().split()) for cell in row.find_all("td")]
    assert "5.9 Mt copper" in cells
    # The editor's script inserts the chosen figure's `label`.
    chosen = client.get(
        reverse("wagtailsnippetchoosers_articles_marketfigure:chosen", args=[figure.pk])
    )
    result = json.loads(chosen.content)["result"]
    assert (result["id"], result["label"]) == (str(figure.pk), "5.9 Mt copper")
