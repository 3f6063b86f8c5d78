import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageViewRestriction, Site

from articles.page_cache import page_cache_key
from leads.models import Lead
from tests.builders import make_article, make_index, make_mineral
from tests.leads.builders import form_data, form_fields, make_site_pages, parse

pytestmark = pytest.mark.django_db
ENQUIRY = "/leads/enquiry/"
TOKEN_URL = "/leads/form-token/"  # noqa: S105


@pytest.fixture
def pages():
    return make_site_pages()


@pytest.fixture
def article(pages):
    return make_article(minerals=[make_mineral("Copper")])


def lead_tasks():
    return DBTaskResult.objects.filter(task_path__startswith="leads.tasks.")


def lead_forms(response):
    return parse(response).select("form.lead-form")


def test_article_shows_the_form_with_every_visible_label(client, article):
    form = lead_forms(client.get(article.url))[0]
    labels = [label.get_text(" ", strip=True) for label in form.find_all("label")]
    legends = [legend.get_text(strip=True) for legend in form.find_all("legend")]
    for expected in ("Name", "Email", "Company", "Phone", "Country", "Message"):
        assert any(label.startswith(expected) for label in labels), expected
    assert "Investor type" in labels
    assert "Investment range" in labels
    assert "Minerals of interest" in legends
    consent = form.find("input", attrs={"name": "consent"})
    consent_label = form.find("label", attrs={"for": consent["id"]})
    assert consent_label.find("a")["href"] == "/privacy/"
    for required in ("name", "email", "consent"):
        assert form.find(attrs={"name": required}).has_attr("required")
    assert not form.find(attrs={"name": "company"}).has_attr("required")


def test_call_to_action_block_renders_a_second_form_with_its_own_ids(client, pages):
    article = make_article(
        body=[
            {
                "type": "call_to_action",
                "value": {"heading": "Invest with us", "button_label": "Ask us"},
            },
            {"type": "paragraph", "value": "<p>More on Reko Diq.</p>"},
        ]
    )
    forms = lead_forms(client.get(article.url))
    assert len(forms) == 2
    assert forms[0].find("button").get_text(strip=True) == "Ask us"
    ids = [tag["id"] for form in forms for tag in form.find_all(id=True)]
    assert len(ids) == len(set(ids))
    # One script serves both forms, each of which asks for a token of its own.
    scripts = parse(client.get(article.url)).select("script[src]")
    assert [s["src"] for s in scripts].count("/static/js/enquiry.js") == 1
    assert all(form["data-token-url"] == TOKEN_URL for form in forms)


def test_body_ending_in_a_call_to_action_gets_no_second_form(client, pages):
    article = make_article(
        body=[
            {"type": "paragraph", "value": "<p>Reko Diq.</p>"},
            {
                "type": "call_to_action",
                "value": {"heading": "Invest with us", "button_label": "Ask us"},
            },
        ]
    )
    soup = parse(client.get(article.url))
    [form] = soup.select("form.lead-form")
    assert form.find("button").get_text(strip=True) == "Ask us"
    assert form.find_parent("article") is not None


def test_contact_page_shows_the_form(client, pages):
    response = client.get("/contact/")
    assert response.status_code == 200
    assert len(lead_forms(response)) == 1


def test_valid_submission_redirects_303_to_the_thank_you_page(client, article):
    response = client.post(ENQUIRY, form_data(source_page=article.pk))
    assert response.status_code == 303
    assert response["Location"] == "/thank-you/"
    page = client.get(response["Location"])
    assert "Thank you" in parse(page).find("h1").get_text()
    assert Lead.objects.get().source_page_id == article.pk


def test_submission_from_a_cached_page_succeeds_and_tokens_differ(client, article):
    first = client.get(article.url)
    key = page_cache_key(first.wsgi_request)
    assert cache.get(key) is not None
    second = client.get(article.url)
    assert second.content == first.content
    assert form_fields(lead_forms(second)[0])["form_token"] == ""
    # What enquiry.js does for each reader when the page loads.
    token_one = client.get(TOKEN_URL).json()["token"]
    token_two = client.get(TOKEN_URL).json()["token"]
    assert token_one != token_two
    fields = form_fields(lead_forms(second)[0])
    data = form_data(**{k: v for k, v in fields.items() if k != "form_token"})
    data["form_token"] = token_one
    response = client.post(ENQUIRY, data)
    # Sent straight away: kept, but as spam (time trap); the token was accepted.
    assert response.status_code == 303
    assert Lead.objects.get().spam_reason == "sent too fast"


def test_publishing_a_new_revision_replaces_the_cached_page(client, article):
    client.get(article.url)
    article.title = "Copper and gold in Balochistan"
    article.save_revision().publish()
    heading = parse(client.get(article.url)).find("h1").get_text()
    assert heading == "Copper and gold in Balochistan"


def test_utm_parameters_referrer_and_source_page_are_recorded(client, article):
    page = client.get(article.url)
    fields = form_fields(lead_forms(page)[0])
    del fields["form_token"]  # form_data's stands for the one the script fetches
    # As enquiry.js fills them in from the address and document.referrer.
    fields.update(
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="q1",
        utm_term="copper",
        utm_content="footer",
        referrer="https://www.google.com/",
    )
    response = client.post(ENQUIRY, form_data(**fields))
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
        "newsletter",
        "email",
        "q1",
    )
    assert (lead.utm_term, lead.utm_content) == ("copper", "footer")
    assert lead.referrer == "https://www.google.com/"
    assert lead.source_page_id == article.pk
    assert lead.source_title == article.title
    assert lead.source_url.endswith(article.url)


def test_honeypot_keeps_the_lead_as_spam_and_queues_no_mail(
    client, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ENQUIRY, form_data(website="http://spam.example"))
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert (lead.status, lead.spam_reason) == (Lead.Status.SPAM, "honeypot")
    assert lead.notification_state == Lead.NotificationState.SKIPPED
    assert not lead_tasks().exists()


def test_form_sent_under_three_seconds_is_spam(
    client, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ENQUIRY, form_data(seconds_ago=1))
    assert Lead.objects.get().status == Lead.Status.SPAM
    assert not lead_tasks().exists()


def test_form_sent_after_three_seconds_is_not_spam(
    client, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ENQUIRY, form_data(seconds_ago=4))
    assert Lead.objects.get().status == Lead.Status.NEW
    assert lead_tasks().count() == 1


def test_resending_one_rendered_form_creates_one_lead(client, article):
    data = form_data()
    first = client.post(ENQUIRY, data)
    second = client.post(ENQUIRY, data)
    assert first.status_code == second.status_code == 303
    assert Lead.objects.count() == 1


LONG = "x" * 201
BAD_INPUTS = [
    ("name", {"name": ""}, "This field is required."),
    ("email", {"email": ""}, "This field is required."),
    ("email", {"email": "not-an-email"}, "Enter an email address"),
    ("email", {"email": '"amina.q"@example.com'}, "no quotation marks"),
    ("email", {"email": '"amina@home"@example.com'}, "with one @"),
    ("email", {"email": "amina@home@example.com"}, "Enter an email address"),
    ("consent", {"consent": None}, "Please tick the box"),
    ("name", {"name": "Amina\x00"}, "Null characters are not allowed."),
    ("message", {"message": "Hello\x00"}, "Null characters are not allowed."),
    ("name", {"name": LONG}, "at most 200 characters"),
    ("company", {"company": LONG}, "at most 200 characters"),
    ("phone", {"phone": "1" * 41}, "at most 40 characters"),
    ("country", {"country": "y" * 101}, "at most 100 characters"),
    ("message", {"message": "m" * 5001}, "at most 5000 characters"),
    ("investor_type", {"investor_type": "whale"}, "Select a valid choice"),
    ("investment_range", {"investment_range": "1b"}, "Select a valid choice"),
    ("minerals", {"minerals": ["999999"]}, "Select a valid choice"),
    ("minerals", {"minerals": ["abc"]}, "is not a valid value"),
]


@pytest.mark.parametrize(("field", "overrides", "message"), BAD_INPUTS)
def test_bad_input_is_refused_beside_its_field_and_nothing_stored(
    client, article, field, overrides, message
):
    response = client.post(ENQUIRY, form_data(**overrides))
    assert response.status_code == 400
    assert not Lead.objects.exists()
    form = lead_forms(response)[0]
    holder = form.find(attrs={"name": field}).find_parent(class_="lead-form__field")
    error = holder.find(class_="lead-form__error")
    assert message in error.get_text()


def test_typed_values_are_kept_when_the_form_comes_back(client, article):
    response = client.post(
        ENQUIRY,
        form_data(
            email="bad", message="Keep <b>this</b> text", referrer="https://x.io/"
        ),
    )
    form = lead_forms(response)[0]
    assert form.find(attrs={"name": "name"})["value"] == "Amina Qureshi"
    assert form.find("textarea").get_text() == "Keep <b>this</b> text"
    assert form_fields(form)["referrer"] == "https://x.io/"
    assert form.find("textarea").find("b") is None


@pytest.mark.parametrize("token", ["forged", "e30:1abc:deadbeef"])
def test_forged_token_is_a_400_with_a_fresh_one(client, article, token):
    response = client.post(ENQUIRY, form_data(form_token=token))
    assert response.status_code == 400
    assert not Lead.objects.exists()
    form = lead_forms(response)[0]
    assert "expired or was altered" in form.find(role="alert").get_text()
    assert form_fields(form)["form_token"] not in ("", token)


def test_oversized_request_is_refused_with_413(client, article):
    response = client.post(ENQUIRY, form_data(message="m" * 70_000))
    assert response.status_code == 413
    assert not Lead.objects.exists()


def test_malformed_body_is_a_400_not_a_500(client, article):
    response = client.generic(
        "POST",
        ENQUIRY,
        b"\xff\xfe%%%=&&name",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_malformed_content_length_is_a_400(client, article):
    response = client.post(ENQUIRY, form_data(), CONTENT_LENGTH="12abc")
    assert response.status_code == 400
    assert not Lead.objects.exists()


def test_corrected_form_keeps_the_first_rendering_time(client, article):
    first = client.post(ENQUIRY, form_data(consent=None, seconds_ago=10))
    assert first.status_code == 400
    fields = form_fields(lead_forms(first)[0])
    # The reader ticks the box and sends again at once.
    response = client.post(ENQUIRY, form_data(form_token=fields["form_token"]))
    assert response.status_code == 303
    assert Lead.objects.get().status == Lead.Status.NEW


def test_get_on_the_enquiry_endpoint_is_refused(client, article):
    assert client.get(ENQUIRY).status_code == 405


def test_unicode_is_stored_exactly(client, article):
    name = "عائشہ خان 🙂"
    message = "It's “great” — شکریہ! <script>alert('x')</script>"
    client.post(ENQUIRY, form_data(name=name, message=message, company="O'Brien & Co"))
    lead = Lead.objects.get()
    assert (lead.name, lead.message, lead.company) == (name, message, "O'Brien & Co")


def test_minerals_of_interest_are_stored(client, article):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    client.post(ENQUIRY, form_data(minerals=[str(copper.pk), str(gold.pk)]))
    assert set(Lead.objects.get().minerals.all()) == {copper, gold}


def hidden_source(kind: str):
    """An article a reader must not learn about: a draft, behind a password,
    or in a section behind one."""
    if kind == "draft":
        return make_article(title="Draft deal memo", publish=False)
    if kind == "password":
        page = make_article(title="Members-only deal memo")
        PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
        return page
    section = make_index(title="Members", slug="members")
    PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.LOGIN
    )
    return make_article(title="Section deal memo", parent=section)


HIDDEN = ["draft", "password", "private_section"]


def test_error_page_links_back_to_a_live_public_source_page(client, article):
    response = client.post(ENQUIRY, form_data(name="", source_page=article.pk))
    assert response.status_code == 400
    assert parse(response).find("a", string=article.title)["href"] == article.url


@pytest.mark.parametrize("kind", HIDDEN)
def test_error_page_never_shows_a_draft_or_private_source_page(client, pages, kind):
    page = hidden_source(kind)
    response = client.post(ENQUIRY, form_data(name="", source_page=page.pk))
    assert response.status_code == 400
    soup = parse(response)
    assert page.title not in soup.get_text()
    assert soup.find("a", href=page.url_path) is None
    assert soup.find("a", href=page.get_url()) is None


@pytest.mark.parametrize("kind", HIDDEN)
def test_lead_from_a_draft_or_private_page_records_no_source(client, pages, kind):
    page = hidden_source(kind)
    assert client.post(ENQUIRY, form_data(source_page=page.pk)).status_code == 303
    lead = Lead.objects.get()
    assert (lead.source_page, lead.source_title, lead.source_url) == (None, "", "")


def enquiry_round_trips() -> int:
    """An accepted enquiry's queries: the beginning and end of the lead's
    transaction (here a savepoint), the count, the contact, the lead and its
    task; on PostgreSQL the count, the contact and the lead's id go as one,
    and the lead with its task as one (articles.inserts)."""
    return 4 if connection.vendor == "postgresql" else 6


def test_an_accepted_enquiry_takes_four_round_trips_on_postgresql_six_elsewhere(
    client, article, settings, django_assert_num_queries
):
    # The task needs no savepoint of its own, and the source and thank-you
    # pages as the first enquiry read them are kept until the recheck
    # interval is up.
    settings.LEADS_PAGES_RECHECK_SECONDS = 60
    client.post(ENQUIRY, form_data(source_page=article.pk))
    with django_assert_num_queries(enquiry_round_trips()):
        response = client.post(ENQUIRY, form_data(source_page=article.pk))
    assert response.status_code == 303
    assert Lead.objects.count() == lead_tasks().count() == 2


def test_once_the_recheck_interval_is_up_the_generation_is_read_again(
    client, article, settings, django_assert_num_queries
):
    settings.LEADS_PAGES_RECHECK_SECONDS = 0
    client.post(ENQUIRY, form_data(source_page=article.pk))
    # The enquiry's own, and the page cache's generation.
    with django_assert_num_queries(enquiry_round_trips() + 1):
        response = client.post(ENQUIRY, form_data(source_page=article.pk))
    assert response.status_code == 303


def test_the_first_enquiry_from_a_page_reads_its_pages(
    client, article, settings, django_assert_num_queries
):
    # The enquiry's own, and the source and thank-you pages with the site
    # root paths for their addresses.
    settings.LEADS_PAGES_RECHECK_SECONDS = 60
    other = make_article(title="Lithium in Gilgit", slug="lithium-in-gilgit")
    client.post(ENQUIRY, form_data(source_page=article.pk))
    with django_assert_num_queries(enquiry_round_trips() + 2):
        response = client.post(ENQUIRY, form_data(source_page=other.pk))
    assert response.status_code == 303
    assert Lead.objects.order_by("pk").last().source_title == "Lithium in Gilgit"


def test_a_page_change_reaches_enquiries_once_the_recheck_interval_is_up(
    client, article, settings
):
    settings.LEADS_PAGES_RECHECK_SECONDS = 0.5
    client.post(ENQUIRY, form_data(source_page=article.pk))
    rename(article)
    time.sleep(0.6)
    client.post(ENQUIRY, form_data(source_page=article.pk))
    assert Lead.objects.order_by("pk").last().source_title == RENAMED


RENAMED = "Reko Diq: the second look"


def rename(article):
    article.title = RENAMED
    article.save_revision().publish()


def unpublish(article):
    article.unpublish()


def restrict(article):
    PageViewRestriction.objects.create(
        page=article, restriction_type=PageViewRestriction.LOGIN
    )


@pytest.mark.parametrize(
    "change, title",
    [(rename, RENAMED), (unpublish, None), (restrict, None)],
    ids=["rename", "unpublish", "restrict"],
)
def test_a_page_changed_after_an_enquiry_is_read_again_for_the_next(
    client, article, settings, change, title
):
    settings.LEADS_PAGES_RECHECK_SECONDS = 0
    client.post(ENQUIRY, form_data(source_page=article.pk))
    change(article)
    assert client.post(ENQUIRY, form_data(source_page=article.pk)).status_code == 303
    first, second = Lead.objects.order_by("pk")
    assert first.source_title == "Copper in Balochistan"
    article.refresh_from_db()
    if title is None:  # no longer live and public: not named
        assert (second.source_page, second.source_title) == (None, "")
    else:
        assert (second.source_title, second.source_url) == (title, article.full_url)


@pytest.mark.django_db(transaction=True)
def test_a_page_deleted_while_a_process_still_keeps_it_costs_no_lead(client, settings):
    make_site_pages()
    article = make_article()
    settings.LEADS_PAGES_RECHECK_SECONDS = 60
    client.post(ENQUIRY, form_data(source_page=article.pk))
    article.delete()
    response = client.post(ENQUIRY, form_data(source_page=article.pk))
    assert response.status_code == 303
    assert Lead.objects.count() == 2
    last = Lead.objects.order_by("pk").last()
    assert (last.source_page, last.source_title, last.source_url) == (None, "", "")


def test_a_thank_you_page_made_private_after_an_enquiry_is_not_used_next(
    client, pages, settings
):
    settings.LEADS_PAGES_RECHECK_SECONDS = 0
    assert client.post(ENQUIRY, form_data())["Location"] == "/thank-you/"
    PageViewRestriction.objects.create(
        page=pages["thank_you"], restriction_type=PageViewRestriction.LOGIN
    )
    assert client.post(ENQUIRY, form_data())["Location"] == "/leads/thank-you/"


@override_settings(ALLOWED_HOSTS=["testserver", "other.example"])
def test_with_two_sites_readers_go_to_the_thank_you_page_of_the_right_site(
    client, pages
):
    Site.objects.create(hostname="other.example", root_page=pages["privacy"])
    thank_you = pages["thank_you"]
    here = client.post(ENQUIRY, form_data())
    elsewhere = client.post(ENQUIRY, form_data(), HTTP_HOST="other.example")
    assert here.status_code == elsewhere.status_code == 303
    assert here["Location"] == "/thank-you/"
    assert elsewhere["Location"] == thank_you.full_url


def test_private_thank_you_page_is_not_where_readers_are_sent(client, pages):
    PageViewRestriction.objects.create(
        page=pages["thank_you"],
        restriction_type=PageViewRestriction.PASSWORD,
        password="x",
    )
    response = client.post(ENQUIRY, form_data())
    assert response.status_code == 303
    assert response["Location"] == "/leads/thank-you/"
