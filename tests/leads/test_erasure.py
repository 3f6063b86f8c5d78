"""Erasure: after `erase_lead_data`, no table and no cache entry holds the person."""

import base64
import binascii
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from leads.models import Lead, LeadNote
from leads.services import lead_create
from tests.builders import make_article
from tests.leads.builders import (
    build_lead,
    form_data,
    make_lead,
    make_site_pages,
    run_worker,
)
from tests.leads.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
ENQUIRY = "/leads/enquiry/"
ADMIN_LEADS = "/django-admin/leads/lead/"
PERSON = {
    "name": "Amina Qureshi",
    "email": "amina.qureshi@example.com",
    "phone": "+92 300 1234567",
    "company": "Indus Capital",
    "message": "We would like to discuss copper offtake.",
}
CACHE_CANARY = "cache-canary-5d41402a"


def readable(value) -> str:
    """A stored value as text, with base64 (the database cache's pickles)
    decoded beside it so that the search sees inside."""
    if isinstance(value, memoryview | bytes):
        value = bytes(value).decode("latin-1")
    text = str(value)
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text
    return f"{text}\n{decoded.decode('utf-8', errors='replace')}"


def everything_stored() -> str:
    """Every value of every row of every table, cache table included, and
    every session's decoded data, as one lower-case text."""
    chunks = []
    tables = connection.introspection.table_names()
    assert "btob_cache" in tables
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                chunks.extend(readable(value) for value in row)
    chunks.extend(str(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(chunks).casefold()


def admin_change(client, lead: Lead, *, note: str, status: str) -> None:
    response = client.post(
        f"{ADMIN_LEADS}{lead.pk}/change/",
        {
            "status": status,
            "owner": "",
            "next_action_date": "",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
            "notes-0-text": note,
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
            "status_changes-MIN_NUM_FORMS": "0",
            "status_changes-MAX_NUM_FORMS": "1000",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == ADMIN_LEADS


def test_erasure_leaves_the_person_in_no_table_and_no_cache_entry(
    client, clean_cache, django_user_model, smtp_settings
):
    make_site_pages()
    article = make_article()
    with override_settings(LEADS_ACKNOWLEDGE=True):
        for email in (PERSON["email"], PERSON["email"].upper()):
            data = form_data(
                **{**PERSON, "email": email},
                source_page=article.pk,
                utm_source="newsletter-march",
                referrer="https://news.example.org/amina",
            )
            assert client.post(ENQUIRY, data).status_code == 303
    first, second = Lead.objects.order_by("pk")
    # The mail server refuses the visitor's address: the failed
    # acknowledgement task keeps a traceback quoting it.
    with smtp_server(smtp_settings, refuse=(PERSON["email"],)) as inbox:
        run_worker()
    assert len(inbox.messages) == 2
    assert DBTaskResult.objects.filter(status="FAILED").exists()
    admin = django_user_model.objects.create_superuser(
        "admin", "admin@btobservices.pk", "a long test password"
    )
    client.force_login(admin)
    admin_change(
        client,
        first,
        note=f"{PERSON['name']} of {PERSON['company']}: call {PERSON['phone']}",
        status="contacted",
    )
    admin_change(client, second, note="Duplicate", status="won")
    cache.set("page-fragment", {"canary": CACHE_CANARY})
    before = everything_stored()
    assert CACHE_CANARY in before
    for value in PERSON.values():
        assert value.casefold() in before, value

    out = StringIO()
    call_command("erase_lead_data", PERSON["email"].title(), stdout=out)

    assert "2 lead(s)" in out.getvalue()
    after = everything_stored()
    for value in PERSON.values():
        assert value.casefold() not in after, value
    assert Lead.objects.count() == 2
    assert LogEntry.objects.count() == 2
    assert first.status_changes.count() == 1


def test_a_notification_still_queued_at_erasure_is_never_sent(smtp_settings):
    lead, _ = lead_create(lead=build_lead(**PERSON))
    assert DBTaskResult.objects.filter(status="READY").exists()
    call_command("erase_lead_data", PERSON["email"], stdout=StringIO())
    with smtp_server(smtp_settings) as inbox:
        run_worker()
    assert inbox.messages == []
    assert not DBTaskResult.objects.exists()
    lead.refresh_from_db()
    assert lead.notified_at is None


def test_erasure_blanks_country_attribution_and_keeps_status_and_minerals():
    lead = make_lead(
        country="Pakistan",
        referrer="https://news.example.org/",
        utm_source="newsletter",
        utm_campaign="march",
        status=Lead.Status.QUALIFIED,
    )
    call_command("erase_lead_data", lead.email, stdout=StringIO())
    lead.refresh_from_db()
    assert lead.country == lead.referrer == lead.utm_source == lead.utm_campaign == ""
    assert lead.name == "[erased]"
    assert lead.status == Lead.Status.QUALIFIED
    assert lead.erased_at is not None


def test_erasure_rewrites_admin_history_written_with_personal_data(
    django_user_model,
):
    admin = django_user_model.objects.create_user("admin")
    lead = make_lead(email=PERSON["email"], name=PERSON["name"])
    LeadNote.objects.create(lead=lead, text=f"Spoke to {PERSON['name']}")
    # As the admin wrote it when a lead's name was its str().
    entry = LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Lead),
        object_id=str(lead.pk),
        object_repr=f"{PERSON['name']} <{PERSON['email']}>",
        action_flag=CHANGE,
        change_message=(
            '[{"changed": {"fields": ["Status"]}}, {"added": {"name": "lead note",'
            f' "object": "{PERSON["name"]}"}}}}]'
        ),
    )
    call_command("erase_lead_data", PERSON["email"], stdout=StringIO())
    entry.refresh_from_db()
    assert entry.object_repr == f"Lead #{lead.pk} (erased)"
    assert entry.get_change_message() == ("Changed Status. Added lead note “[erased]”.")
    assert lead.notes.get().text == "[erased]"


def test_lead_str_names_no_one():
    lead = make_lead(name=PERSON["name"], email=PERSON["email"])
    assert str(lead) == f"Lead #{lead.pk}"
