"""In Debian's Chromium: readers of one cached page, with JavaScript, each send
the form with a token and attribution of their own (issue 9)."""

import pytest
from playwright.sync_api import expect

from leads.models import Lead
from tests.builders import make_article, make_mineral
from tests.leads.builders import make_site_pages


def send_enquiry(page, name: str, email: str) -> None:
    form = page.locator("form.lead-form").first
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Message").fill("Looking at copper concentrate offtake.")
    form.get_by_label("I agree").check()
    page.wait_for_timeout(3200)  # a person takes longer than the time trap
    form.get_by_role("button", name="Send enquiry").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_readers_of_one_cached_page_send_their_own_tokens_and_utm(
    clean_cache, live_server, browser
):
    make_site_pages()
    make_mineral("Copper")
    article = make_article(title="Reko Diq copper and gold")
    url = f"{live_server.url}{article.url}"

    first = browser.new_page()
    second = browser.new_page()
    first_page = first.goto(f"{url}?utm_source=linkedin&utm_campaign=q3")
    second_page = second.goto(
        f"{url}?utm_source=newsletter", referer="https://www.google.com/"
    )
    # The same bytes for both: the page holds nothing about its reader.
    assert first_page.body() == second_page.body()
    assert "public" in second_page.headers["cache-control"]
    for page in (first, second):
        expect(page.locator("form.lead-form input[name=form_token]")).not_to_have_value(
            ""
        )
    tokens = [
        page.locator("form.lead-form input[name=form_token]").input_value()
        for page in (first, second)
    ]
    assert tokens[0] != tokens[1]

    send_enquiry(first, "Bilal Ahmed", "bilal@example.com")
    send_enquiry(second, "Sara Khan", "sara@example.com")

    leads = {lead.email: lead for lead in Lead.objects.all()}
    assert set(leads) == {"bilal@example.com", "sara@example.com"}
    bilal, sara = leads["bilal@example.com"], leads["sara@example.com"]
    assert (bilal.utm_source, bilal.utm_campaign) == ("linkedin", "q3")
    assert (sara.utm_source, sara.utm_campaign) == ("newsletter", "")
    assert sara.referrer == "https://www.google.com/"
    assert bilal.source_page_id == sara.source_page_id == article.pk
    assert bilal.submission_token != sara.submission_token
    assert bilal.spam_reason == sara.spam_reason == ""
