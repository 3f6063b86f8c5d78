"""A reader without JavaScript: the page's form has no token, so the first POST
answers with a "Confirm your enquiry" page that has one (issue 9)."""

import time

import pytest
from django.test import override_settings

from leads.models import Lead
from leads.tokens import form_token_read
from tests.builders import make_article, make_mineral
from tests.leads.builders import form_data, make_site_pages, parse

pytestmark = pytest.mark.django_db
ENQUIRY = "/leads/enquiry/"


@pytest.fixture
def article():
    make_site_pages()
    return make_article(minerals=[make_mineral("Copper"), make_mineral("Lithium")])


def submission(form) -> dict[str, list[str]]:
    """What a browser sends for a parsed <form>: every successful control."""
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or field.has_attr("disabled"):
            continue
        if field.name == "textarea":
            value = field.get_text()
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            value = chosen.get("value", chosen.get_text()) if chosen else ""
        elif field.get("type") in ("checkbox", "radio"):
            if not field.has_attr("checked"):
                continue
            value = field.get("value", "on")
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return data


def no_script_post(client, article, query: str = "", **overrides):
    """The page's own form, filled in and sent as a browser without JS does."""
    form = parse(client.get(article.url + query)).select_one("form.lead-form")
    data = submission(form)
    data.update(
        {
            key: [value] if isinstance(value, str) else value
            for key, value in form_data(form_token="", **overrides).items()
        }
    )
    data["minerals"] = [str(article.minerals.get(name="Lithium").pk)]
    return client.post(
        ENQUIRY, data, HTTP_REFERER=f"http://testserver{article.url}{query}"
    )


def confirm_form(response):
    assert response.status_code == 200
    soup = parse(response)
    assert "Confirm" in soup.find("h1").get_text()
    return soup.select_one("form.lead-form")


def test_first_post_asks_to_confirm_with_every_value_kept(client, article):
    form = confirm_form(no_script_post(client, article, "?utm_source=linkedin"))
    assert not Lead.objects.exists()
    sent = submission(form)
    assert sent["name"] == ["Amina Qureshi"]
    assert sent["email"] == ["amina@example.com"]
    assert sent["message"] == ["We would like to discuss copper offtake."]
    assert sent["investor_type"] == [Lead.InvestorType.FUND]
    assert sent["consent"] == ["on"]
    assert sent["minerals"] == [str(article.minerals.get(name="Lithium").pk)]
    assert sent["source_page"] == [str(article.pk)]
    assert sent["utm_source"] == ["linkedin"]
    token = form_token_read(sent["form_token"][0])
    assert token is not None and token.confirm
    assert len(form.find_all("button")) == 1


def test_confirming_stores_exactly_one_lead_with_its_source_and_utm(client, article):
    form = confirm_form(no_script_post(client, article, "?utm_campaign=q3"))
    data = submission(form)
    time.sleep(1.2)  # a prompt human click, past the confirmation's own second
    response = client.post(ENQUIRY, data)
    assert response.status_code == 303
    assert response["Location"].endswith("/thank-you/")
    again = client.post(ENQUIRY, data)  # a double click: the same nonce
    assert again.status_code == 303
    lead = Lead.objects.get()
    assert lead.spam_reason == ""
    assert lead.source_page_id == article.pk
    assert lead.utm_campaign == "q3"
    assert lead.referrer == ""
    assert [m.name for m in lead.minerals.all()] == ["Lithium"]


def test_an_instant_machine_confirmation_is_kept_as_spam(client, article):
    data = submission(confirm_form(no_script_post(client, article)))
    assert client.post(ENQUIRY, data).status_code == 303
    assert Lead.objects.get().spam_reason == "sent too fast"


def test_the_honeypot_survives_the_confirmation(client, article):
    data = submission(
        confirm_form(no_script_post(client, article, website="http://spam.example"))
    )
    time.sleep(1.2)
    assert client.post(ENQUIRY, data).status_code == 303
    assert Lead.objects.get().spam_reason == "honeypot"


def test_mistakes_without_a_token_come_back_with_a_confirmation_token(client, article):
    response = no_script_post(client, article, consent=None)
    assert response.status_code == 400
    data = submission(parse(response).select_one("form.lead-form"))
    assert form_token_read(data["form_token"][0]).confirm
    data["consent"] = ["on"]
    time.sleep(1.2)
    assert client.post(ENQUIRY, data).status_code == 303
    assert Lead.objects.get().spam_reason == ""


@override_settings(LEADS_RATE_LIMIT="2/1d")
def test_a_lead_counts_once_against_the_rate_limit_whichever_path(client, article):
    # Three asked to confirm: none of them is a lead yet, none counts.
    for _ in range(3):
        confirm_form(no_script_post(client, article))
    data = submission(confirm_form(no_script_post(client, article)))
    assert client.post(ENQUIRY, data).status_code == 303  # 1: no-JS path
    assert client.post(ENQUIRY, form_data()).status_code == 303  # 2: JS path
    assert client.post(ENQUIRY, form_data()).status_code == 429
    assert Lead.objects.count() == 2


def test_the_confirmation_page_is_never_cached(client, article):
    response = no_script_post(client, article)
    assert "public" not in response.get("Cache-Control", "")
    assert (
        "no-cache" in response["Cache-Control"]
        or "no-store" in (response["Cache-Control"])
    )
