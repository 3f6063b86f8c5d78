"""In Debian's Chromium: an editor cites a market figure in an article's text."""

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from articles.figures import MarketFigure
from tests.builders import make_article

PASSWORD = "a long test password"  # noqa: S105


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_inserts_a_figure_and_readers_see_its_value_and_date(
    live_server, browser, django_user_model, client
):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    figure = MarketFigure.objects.create(
        name="Reko Diq copper reserves",
        value=Decimal("5.9"),
        unit="Mt copper",
        as_of=date(2025, 1, 31),
    )
    article = make_article(title="Copper in Balochistan")

    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/admin/", timeout=10_000)

    page.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    editor = page.locator(".Draftail-Editor [contenteditable=true]").first
    expect(editor).to_contain_text("Reko Diq is one of the largest")
    editor.click()
    page.keyboard.press("End")
    page.keyboard.type(" Reserves: XX")
    # The figure replaces the selected words, like a link would.
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    page.locator("button[name=FIGURE]:visible").click()
    modal = page.locator(".modal-dialog")
    modal.get_by_role("link", name="Reko Diq copper reserves").click()
    expect(editor.locator(".figure-entity")).to_have_text("5.9 Mt copper")
    expect(editor).to_contain_text("Reserves: 5.9 Mt copper")
    # Draftail writes its hidden input after a short debounce: publish only
    # once the entity is in what the form will send.
    page.wait_for_function(
        """() => [...document.querySelectorAll("input[type=hidden]")]
            .some((input) => input.value.includes('"type":"FIGURE"'))"""
    )

    page.locator("footer [data-w-dropdown-target=toggle]").click()
    page.locator("button[name=action-publish]").click()
    expect(page.locator(".messages .success")).to_contain_text(
        "published", timeout=15_000
    )

    article.refresh_from_db()
    stored = article.body[0].value.source
    assert f'<embed embedtype="figure" id="{figure.pk}"/>' in stored
    assert "5.9" not in stored

    reader = browser.new_page()
    reader.goto(f"{live_server.url}{article.url}")
    shown = reader.locator(".market-figure")
    expect(shown).to_have_count(1)
    html = BeautifulSoup(shown.evaluate("node => node.outerHTML"), "html5lib")
    assert html.find("data")["value"] == "5.9"
    assert html.find("data").get_text() == "5.9 Mt copper"
    assert html.find("time")["datetime"] == "2025-01-31"
    expect(shown).to_contain_text("as of 31 January 2025")
