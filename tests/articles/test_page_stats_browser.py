"""Page statistics in Chromium: what a real reader's browser counts, and what not."""

import time

import pytest
from playwright.sync_api import expect

from tests.articles.test_page_stats import READER, counts
from tests.builders import make_article
from tests.leads.builders import make_site_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery-staple"  # noqa: S105
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def article():
    make_site_pages()
    return make_article()


def wait_for_counts(article, expected: tuple[int, int], seconds: float = 15):
    deadline = time.monotonic() + seconds
    while counts(article) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return counts(article)


def read(browser, live_server, article, **context_options):
    """Open the article and return once its beacon has been answered."""
    context = browser.new_context(**{"user_agent": READER, **context_options})
    page = context.new_page()
    with page.expect_response(lambda r: "/stats/" in r.url) as beacon:
        page.goto(f"{live_server.url}{article.url}")
    assert beacon.value.status in (200, 204)
    assert beacon.value.headers["cache-control"] == "no-store"
    return context, page


def test_a_reader_with_javascript_counts_one_view(browser, live_server, article):
    context, page = read(browser, live_server, article)
    assert wait_for_counts(article, (1, 0)) == (1, 0)
    page.wait_for_load_state("networkidle")
    time.sleep(1)  # the <noscript> image must not add a second view
    assert counts(article) == (1, 0)
    assert context.cookies() == []
    context.close()


def test_a_reader_without_javascript_counts_one_view(browser, live_server, article):
    context, page = read(browser, live_server, article, java_script_enabled=False)
    assert wait_for_counts(article, (1, 0)) == (1, 0)
    page.wait_for_load_state("networkidle")
    assert counts(article) == (1, 0)
    assert context.cookies() == []
    context.close()


def test_a_reader_who_uses_the_form_counts_one_start(browser, live_server, article):
    context, page = read(browser, live_server, article)
    form = page.locator('form[action$="/leads/enquiry/"]').first
    with page.expect_response(lambda r: r.url.endswith("/start")):
        form.locator("input[name=name]").focus()
    form.locator("input[name=email]").fill("amina@example.com")
    form.locator("textarea[name=message]").fill("Copper offtake")
    assert wait_for_counts(article, (1, 1)) == (1, 1)
    time.sleep(1)
    assert counts(article) == (1, 1)  # once per page view
    page.reload()
    page.locator('form[action$="/leads/enquiry/"] input[name=name]').first.focus()
    assert wait_for_counts(article, (2, 2)) == (2, 2)
    context.close()


def test_a_signed_in_staff_member_counts_no_view(
    browser, live_server, article, django_user_model
):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    context = browser.new_context(user_agent=READER)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/admin/", timeout=15_000)
    with page.expect_response(lambda r: "/stats/" in r.url) as beacon:
        page.goto(f"{live_server.url}{article.url}")
    assert beacon.value.status == 204
    page.wait_for_load_state("networkidle")
    assert counts(article) == (0, 0)
    context.close()


@pytest.mark.parametrize(
    "options",
    [
        {"user_agent": GOOGLEBOT},
        {"extra_http_headers": {"DNT": "1"}},
        {"extra_http_headers": {"Sec-GPC": "1"}},
    ],
    ids=["bot", "do-not-track", "global-privacy-control"],
)
def test_bots_and_opted_out_readers_count_no_view(
    browser, live_server, article, options
):
    context, page = read(browser, live_server, article, **options)
    page.wait_for_load_state("networkidle")
    assert counts(article) == (0, 0)
    context.close()
