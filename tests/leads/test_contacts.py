"""Contacts: one per normalised email, with first and last touch, in the admin."""

import importlib
import json
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from leads.models import Contact, FreeMailDomain, Lead
from leads.services import lead_create, lead_erase_expired
from leads.spool import spool_append, spool_replay
from tests.builders import make_article
from tests.leads.builders import (
    build_lead,
    form_data,
    make_lead,
    make_site_pages,
    make_staff,
    parse,
)
from tests.leads.servers import requires_postgresql

ENQUIRY = "/leads/enquiry/"
LEADS = "/django-admin/leads/lead/"
CONTACTS = "/django-admin/leads/contact/"
contacts_migration = importlib.import_module("leads.migrations.0005_contacts")


def lead_url(lead) -> str:
    return f"{LEADS}{lead.pk}/change/"


def html(response):
    return parse(response.content.decode())


def contact_url(contact) -> str:
    return f"{CONTACTS}{contact.pk}/change/"


@pytest.fixture
def sales(django_user_model):
    return make_staff(django_user_model, "sana", "Sales")


@pytest.fixture
def three_enquiries(client):
    """Ann writes three times, in three spellings of her address, through the form."""
    make_site_pages()
    first_article = make_article(title="Reko Diq copper")
    last_article = make_article(title="Lithium in Gilgit")
    posts = (
        ("Ann@Example.com", first_article, "newsletter"),
        ("ann@example.com ", first_article, "linkedin"),
        ("ann@example.com", last_article, "google"),
    )
    for email, article, utm_source in posts:
        response = client.post(
            ENQUIRY,
            form_data(
                email=email,
                source_page=article.pk,
                utm_source=utm_source,
                referrer=f"https://{utm_source}.example/",
            ),
        )
        assert response.status_code == 303
    return {"first": first_article, "last": last_article}


@pytest.mark.django_db
def test_three_spellings_of_one_address_form_one_contact_with_three_enquiries(
    three_enquiries,
):
    contact = Contact.objects.get()
    assert contact.email == "ann@example.com"
    leads = list(Lead.objects.order_by("created_at", "pk"))
    assert len(leads) == 3
    assert {lead.contact_id for lead in leads} == {contact.pk}
    assert leads[0].email == "Ann@Example.com"  # the lead keeps what was typed
    assert contact.first_seen_at == leads[0].created_at
    assert contact.last_seen_at == leads[2].created_at


@pytest.mark.django_db
def test_a_contact_keeps_the_first_and_the_latest_attribution(three_enquiries):
    contact = Contact.objects.get()
    assert contact.first_source_page_id == three_enquiries["first"].pk
    assert contact.first_source_title == "Reko Diq copper"
    assert (contact.first_utm_source, contact.first_referrer) == (
        "newsletter",
        "https://newsletter.example/",
    )
    assert contact.last_source_page_id == three_enquiries["last"].pk
    assert contact.last_source_title == "Lithium in Gilgit"
    assert (contact.last_utm_source, contact.last_referrer) == (
        "google",
        "https://google.example/",
    )


@pytest.mark.django_db
def test_an_older_spooled_enquiry_becomes_the_first_touch():
    later, _ = lead_create(lead=build_lead(utm_source="later"), form_token="t-later")
    earlier, _ = lead_create(
        lead=build_lead(email="AMINA@example.com", utm_source="earlier"),
        form_token="t-earlier",
        submitted_at=later.created_at - timedelta(hours=2),
    )
    contact = Contact.objects.get()
    assert earlier.contact == later.contact == contact
    assert (contact.first_utm_source, contact.last_utm_source) == ("earlier", "later")
    assert contact.first_seen_at == earlier.created_at


@pytest.mark.django_db
def test_the_lead_admin_shows_enquiry_n_of_m_with_links_to_the_others(
    client, sales, three_enquiries
):
    first, second, third = Lead.objects.order_by("created_at", "pk")
    client.force_login(sales)
    summary = html(client.get(lead_url(second))).find(
        "a", string="Enquiry 2 of 3 from this contact"
    )
    assert summary["href"] == contact_url(second.contact)
    others = summary.find_parent("div").find("ul").find_all("a")
    assert [link["href"] for link in others] == [lead_url(first), lead_url(third)]
    assert others[0].get_text().startswith("Enquiry 1:")


@pytest.mark.django_db
def test_the_contact_admin_lists_its_enquiries_and_its_company(client, sales):
    make_lead(email="amina@indus-capital.pk", company="Indus Capital")
    make_lead(email="Amina@Indus-Capital.pk")
    make_lead(email="someone@gmail.com")
    client.force_login(sales)
    rows = html(client.get(CONTACTS)).select("#result_list tbody tr")
    companies = {
        row.select_one(".field-email").get_text(strip=True): row.select_one(
            ".field-company"
        ).get_text(strip=True)
        for row in rows
    }
    assert companies == {
        "amina@indus-capital.pk": "indus-capital.pk",
        "someone@gmail.com": "—",
    }
    contact = Contact.objects.get(email="amina@indus-capital.pk")
    contact_page = html(client.get(contact_url(contact)))
    enquiry_links = {
        link["href"] for link in contact_page.select(".inline-group a.inlineviewlink")
    }
    assert enquiry_links == {lead_url(lead) for lead in contact.leads.all()}
    assert len(enquiry_links) == 2


@pytest.mark.django_db
def test_sales_can_add_a_free_mail_domain_which_hides_that_company(client, sales):
    make_lead(email="ann@mail-of-pakistan.pk")
    client.force_login(sales)
    response = client.post(
        "/django-admin/leads/freemaildomain/add/", {"domain": " @Mail-Of-Pakistan.PK "}
    )
    assert response.status_code == 302
    assert FreeMailDomain.objects.filter(domain="mail-of-pakistan.pk").exists()
    row = html(client.get(CONTACTS)).select_one("#result_list tbody tr")
    assert row.select_one(".field-company").get_text(strip=True) == "—"


@pytest.mark.django_db
def test_a_free_mail_domain_that_is_not_a_domain_is_refused(client, sales):
    client.force_login(sales)
    response = client.post(
        "/django-admin/leads/freemaildomain/add/", {"domain": "not a domain"}
    )
    assert response.status_code == 200
    errors = html(response).select(".errorlist li")
    assert "Enter a domain such as gmail.com" in errors[0].get_text()
    assert not FreeMailDomain.objects.filter(domain__contains=" ").exists()


@pytest.mark.django_db
def test_the_migration_seeds_common_free_mail_domains():
    seeded = set(FreeMailDomain.objects.values_list("domain", flat=True))
    assert {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com"} <= seeded
    assert {"icloud.com", "proton.me"} <= seeded


@pytest.mark.django_db
def test_the_data_migration_links_existing_leads():
    now = timezone.now()
    # Made as before the migration: no contact.
    old = Lead.objects.create(
        name="Ann",
        email="Ann@Example.com",
        utm_source="first",
        created_at=now - timedelta(days=3),
    )
    new = Lead.objects.create(
        name="Ann", email="ann@example.com", utm_source="last", created_at=now
    )
    other = Lead.objects.create(name="Bo", email="bo@example.org", created_at=now)
    erased = Lead.objects.create(name="[erased]", email="", erased_at=now)
    contacts_migration.link_existing_leads(apps, None)
    for lead in (old, new, other, erased):
        lead.refresh_from_db()
    assert old.contact == new.contact
    assert old.contact.email == "ann@example.com"
    assert old.contact.domain == "example.com"
    assert (old.contact.first_utm_source, old.contact.last_utm_source) == (
        "first",
        "last",
    )
    assert other.contact.email == "bo@example.org"
    assert other.contact != old.contact
    assert erased.contact is None
    assert Contact.objects.count() == 2
    contacts_migration.link_existing_leads(apps, None)  # a second run adds nothing
    assert Contact.objects.count() == 2


@pytest.mark.django_db
def test_erasing_a_person_deletes_their_contact():
    lead = make_lead(email="Amina@Example.com")
    make_lead(email="amina@example.com")
    kept = make_lead(email="bilal@example.com")
    call_command("erase_lead_data", "AMINA@example.com", stdout=StringIO())
    assert list(Contact.objects.values_list("email", flat=True)) == [
        "bilal@example.com"
    ]
    lead.refresh_from_db()
    assert lead.contact is None
    kept.refresh_from_db()
    assert kept.contact is not None


@pytest.mark.django_db
def test_retention_deletes_a_contact_with_its_last_enquiry_only():
    old = timezone.now() - timedelta(days=1000)
    gone = make_lead(email="gone@example.com", status=Lead.Status.LOST, created_at=old)
    expired = make_lead(
        email="stays@example.com", status=Lead.Status.WON, created_at=old
    )
    active = make_lead(email="stays@example.com")
    assert lead_erase_expired() == 2
    assert list(Contact.objects.values_list("email", flat=True)) == [
        "stays@example.com"
    ]
    for lead in (gone, expired, active):
        lead.refresh_from_db()
    assert (gone.contact, expired.contact) == (None, None)
    assert active.contact.email == "stays@example.com"


@pytest.mark.django_db
def test_the_export_includes_the_contact():
    make_lead(email="Amina@Example.com", utm_source="newsletter")
    out = StringIO()
    call_command("export_lead_data", "amina@example.com", stdout=out)
    data = json.loads(out.getvalue())
    assert data[0]["contact"]["email"] == "amina@example.com"
    assert data[0]["contact"]["first_utm_source"] == "newsletter"


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_first_enquiries_at_once_make_one_contact():
    barrier = threading.Barrier(2)
    errors = []

    def enquire(token: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                lead_create(lead=build_lead(email="Ann@Example.com"), form_token=token)
                # Uncommitted a while: the other's lookup finds no contact yet.
                time.sleep(0.5)
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enquire, args=(f"t-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert connection.vendor == "postgresql"
    contact = Contact.objects.get()
    assert set(Lead.objects.values_list("contact_id", flat=True)) == {contact.pk}
    assert Lead.objects.count() == 2


@pytest.mark.django_db
def test_purging_spam_deletes_the_contacts_it_leaves_without_leads():
    old = timezone.now() - timedelta(days=40)
    make_lead(email="bot@example.com", status=Lead.Status.SPAM, created_at=old)
    make_lead(email="ann@example.com", status=Lead.Status.SPAM, created_at=old)
    make_lead(email="ann@example.com")
    call_command("purge_spam", "--days", "30", stdout=StringIO())
    assert list(Contact.objects.values_list("email", flat=True)) == ["ann@example.com"]


@pytest.mark.django_db
def test_a_replayed_spooled_enquiry_joins_its_contact_as_first_touch():
    later = make_lead(email="ann@example.com", utm_source="later")
    spool_append(
        fields={
            "name": "Ann",
            "email": "ANN@example.com",
            "consent": True,
            "utm_source": "spooled",
        },
        minerals=[],
        source_page=None,
        form_token="spooled-1",
        spam_reason="",
        submitted_at=later.created_at - timedelta(minutes=5),
    )
    assert spool_replay().created == 1
    spooled = Lead.objects.get(submission_token="spooled-1")
    assert spooled.contact == later.contact
    assert (spooled.contact.first_utm_source, spooled.contact.last_utm_source) == (
        "spooled",
        "later",
    )
