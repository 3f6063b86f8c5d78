"""End to end in Debian's Chromium: the SEO panel follows the editor's typing."""

import pytest
from playwright.sync_api import expect

from tests.builders import make_article

PASSWORD = "a long test password"  # noqa: S105


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_panel_updates_from_unsaved_typing(live_server, browser, django_user_model):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    article = make_article(
        primary_keyword="Reko Diq copper",
        introduction="Mining in the province draws investors.",
    )
    page = browser.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")

    check = page.locator("[data-check=keyphrase_in_introduction]")
    expect(check).to_have_attribute("data-status", "bad")
    page.locator("textarea[name=introduction]").fill(
        "Reko Diq copper draws investors to Balochistan."
    )
    expect(check).to_have_attribute("data-status", "good", timeout=10_000)

    page.locator("a[href='#tab-promote']").click()
    page.locator("input[name=seo_title]").fill("Reko Diq copper: a field guide")
    expect(page.locator(".serp__title")).to_have_text(
        "Reko Diq copper: a field guide | BTOB Services", timeout=10_000
    )
    article.refresh_from_db()
    assert article.introduction == "Mining in the province draws investors."

    parent = article.get_parent()
    page.goto(f"{live_server.url}/admin/pages/add/articles/articlepage/{parent.pk}/")
    page.locator("input[name=title]").fill("Chagai copper")
    page.locator("textarea[name=introduction]").fill("Chagai copper, explained.")
    expect(page.locator("[data-check=keyphrase_in_introduction]")).to_have_attribute(
        "data-status", "bad", timeout=10_000
    )
    expect(page.locator("[data-check=keyphrase_length]")).to_contain_text(
        "No primary keyword"
    )
