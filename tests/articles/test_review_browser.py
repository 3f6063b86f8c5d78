"""In Debian's Chromium: an editor marks an article reviewed; readers see the date."""

import re
from datetime import date

import pytest
from django.utils import timezone
from django.utils.dateformat import format as format_date
from playwright.sync_api import expect

from articles.models import ArticlePage
from tests.builders import make_article

PASSWORD = "a long test password"  # noqa: S105


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_editor_marks_an_article_reviewed_and_readers_see_the_date(
    live_server, browser, django_user_model
):
    editor = django_user_model.objects.create_superuser(
        "editor", "e@example.com", PASSWORD
    )
    article = make_article(
        title="Copper in Balochistan", date_published=date(2025, 1, 6)
    )
    draft = ArticlePage.objects.get(pk=article.pk)
    draft.title = "Copper in Balochistan, updated"
    draft.save_revision(user=editor)
    public_url = f"{live_server.url}{article.url}"
    today = timezone.localdate()

    reader = browser.new_context().new_page()
    reader.goto(public_url)  # the page cache now holds it
    expect(reader.locator(".article__byline")).not_to_contain_text("Reviewed")
    expect(reader.locator(".stale-notice")).to_be_visible()

    admin = browser.new_context()  # one login, two tabs
    page = admin.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/admin/", timeout=10_000)

    edit_url = f"{live_server.url}/admin/pages/{article.pk}/edit/"
    # A colleague has the editor open from before the review.
    colleague = admin.new_page()
    colleague.goto(edit_url)
    expect(colleague.locator("body")).to_have_class(re.compile(r"\bready\b"))

    page.goto(edit_url)
    page.locator("footer [data-w-dropdown-target=toggle]").click()
    page.get_by_role("link", name="Mark reviewed").click()
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator(".messages .success")).to_contain_text(
        "marked reviewed", timeout=15_000
    )
    # Back in the editor, the draft is still there with its edit.
    expect(page.locator("input[name=title]")).to_have_value(
        "Copper in Balochistan, updated"
    )

    # The colleague's save keeps the review: their form never held the date.
    colleague.locator("input[name=subtitle]").fill("Reserves and royalties")
    colleague.locator("footer button.action-save").click()
    expect(colleague.locator(".messages .success")).to_be_visible(timeout=15_000)
    latest = ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object()
    assert latest.subtitle == "Reserves and royalties"
    assert latest.title == "Copper in Balochistan, updated"
    assert latest.last_reviewed == today

    reader.goto(public_url)
    reviewed = reader.locator(".article__byline time").nth(1)
    expect(reader.locator(".article__byline")).to_contain_text(
        f"Reviewed {format_date(today, 'j F Y')}"
    )
    expect(reviewed).to_have_attribute("datetime", today.isoformat())
    expect(reader.locator(".stale-notice")).to_have_count(0)
    expect(reader.locator("h1")).to_have_text("Copper in Balochistan")

    article.refresh_from_db()
    assert article.last_reviewed_by == editor
    assert article.has_unpublished_changes
