"""End to end in Debian's Chromium: a reader sends an enquiry, sales triage it."""

import pytest
from playwright.sync_api import expect

from leads.models import Lead, LeadNote
from tests.builders import make_article, make_mineral
from tests.leads.builders import make_site_pages, make_staff


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_enquires_and_sales_triages_the_lead(
    clean_cache, live_server, django_user_model, browser
):
    make_site_pages()
    make_mineral("Copper")
    article = make_article(title="Reko Diq copper and gold")
    make_staff(django_user_model, "sana", "Sales")

    reader = browser.new_page(java_script_enabled=False)
    reader.goto(f"{live_server.url}{article.url}?utm_source=linkedin&utm_campaign=q3")
    form = reader.locator("form.lead-form").first
    form.get_by_label("Name").fill("Bilal Ahmed")
    form.get_by_label("Email").fill("bilal@example.com")
    form.get_by_label("Company").fill("Gwadar Holdings")
    form.get_by_label("Message").fill("Looking at copper concentrate offtake.")
    form.get_by_label("Copper").check()
    form.get_by_label("Investor type").select_option(label="Investment fund")
    form.get_by_label("I agree").check()
    form.get_by_role("button", name="Send enquiry").click()
    # Without JavaScript the form had no token: the reader confirms once.
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Confirm")
    assert not Lead.objects.exists()
    confirm = reader.locator("form.lead-form")
    expect(confirm.get_by_label("Email")).to_have_value("bilal@example.com")
    expect(confirm.get_by_label("Copper")).to_be_checked()
    reader.wait_for_timeout(1200)  # a prompt human click
    confirm.get_by_role("button", name="Confirm and send").click()
    expect(reader.get_by_role("heading", level=1)).to_contain_text("Thank you")

    lead = Lead.objects.get()
    assert lead.spam_reason == ""
    assert (lead.utm_source, lead.utm_campaign) == ("linkedin", "q3")
    assert lead.source_page_id == article.pk
    assert lead.status == Lead.Status.NEW

    sales = browser.new_page()
    sales.goto(f"{live_server.url}/django-admin/")
    sales.get_by_label("Username").fill("sana")
    sales.get_by_label("Password").fill("correct-horse-battery")
    sales.get_by_role("button", name="Log in").click()
    sales.goto(f"{live_server.url}/django-admin/leads/lead/")
    sales.locator("#searchbar").fill("bilal@example.com")
    sales.locator("#searchbar").press("Enter")
    sales.get_by_role("link", name="Bilal Ahmed").click()
    sales.locator("select[name=status]").select_option("contacted")
    sales.locator("textarea[name='notes-0-text']").fill("Called; sending the deck.")
    sales.locator("input[name=_save]").click()
    expect(sales.locator(".messagelist")).to_contain_text("was changed successfully")

    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONTACTED
    note = LeadNote.objects.get(lead=lead)
    assert (note.author.username, note.text) == ("sana", "Called; sending the deck.")
    assert lead.status_changes.get().changed_by.username == "sana"
