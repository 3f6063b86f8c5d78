"""The lead spool: enquiries kept on disk while the database is down, replayed once."""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import OperationalError, close_old_connections, connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.forms import LeadForm
from leads.jobs import replay_lead_spool
from leads.models import Lead
from leads.offline import offline_copies_refresh
from leads.spool import REJECTED, SPOOL, spool_append, spool_pending, spool_replay
from tests.builders import make_mineral
from tests.leads.builders import form_data, make_site_pages, parse
from tests.leads.servers import ROOT, database_url, requires_postgresql

pytestmark = pytest.mark.django_db(transaction=True)
ENQUIRY = "/leads/enquiry/"


@pytest.fixture
def spool(settings) -> Path:
    return Path(settings.LEADS_SPOOL_DIR)


@contextmanager
def database_unreachable():
    """Every query fails as it does when PostgreSQL cannot be reached."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection to server failed: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


def spool_one(nonce: str = "token-1", **fields) -> None:
    spool_append(
        fields={
            "name": "Amina Qureshi",
            "email": "amina@example.com",
            "consent": True,
            **fields,
        },
        minerals=[],
        source_page=None,
        form_token=nonce,
        spam_reason="",
        submitted_at=timezone.now() - timedelta(minutes=5),
    )


def lead_tasks():
    return DBTaskResult.objects.filter(task_path="leads.tasks.send_lead_notification")


def test_append_leaves_one_json_line_on_disk(spool):
    spool_one(company="Indus Capital")
    (line,) = (spool / SPOOL).read_text().splitlines()
    record = json.loads(line)
    assert record["form_token"] == "token-1"  # noqa: S105
    assert record["fields"]["company"] == "Indus Capital"
    assert (spool / SPOOL).stat().st_mode & 0o777 == 0o600
    assert spool.stat().st_mode & 0o777 == 0o700


def test_replay_saves_each_submission_once_and_queues_its_notification(spool):
    spool_one("token-1")
    spool_one("token-2", name="Bilal Khan")
    first = spool_replay()
    spool_one("token-1")  # the same form sent again during the outage
    second = spool_replay()
    assert (first.created, first.already_saved) == (2, 0)
    assert (second.created, second.already_saved) == (0, 1)
    assert sorted(Lead.objects.values_list("submission_token", flat=True)) == [
        "token-1",
        "token-2",
    ]
    assert lead_tasks().count() == 2
    assert spool_pending() == 0
    assert not (spool / SPOOL).exists()


def test_a_replayed_lead_keeps_the_time_it_was_sent(spool):
    spool_one()
    spool_replay()
    lead = Lead.objects.get()
    assert timezone.now() - lead.created_at > timedelta(minutes=4)
    assert lead.consent_at == lead.created_at


def test_a_corrupt_line_is_kept_aside_and_reported(spool):
    spool_one("token-1")
    with open(spool / SPOOL, "ab") as file:
        file.write(b'{"form_token": "cut short by a full disk\n')
        file.write(b'{"form_token": "t", "fields": {"colour": "red"}}\n')
    spool_one("token-2")
    out, err = StringIO(), StringIO()
    call_command("replay_lead_spool", stdout=out, stderr=err)
    assert Lead.objects.count() == 2
    assert "Saved 2 spooled enquiry(ies); 0 were already saved." in out.getvalue()
    assert "Kept aside 2 spooled line(s)" in err.getvalue()
    rejected = [
        json.loads(line) for line in (spool / REJECTED).read_text().splitlines()
    ]
    assert [entry["line"] for entry in rejected] == [
        '{"form_token": "cut short by a full disk',
        '{"form_token": "t", "fields": {"colour": "red"}}',
    ]
    assert all(entry["reason"] for entry in rejected)
    assert (spool / REJECTED).stat().st_mode & 0o777 == 0o600
    assert spool_pending() == 0


def test_replay_command_with_the_database_down_keeps_the_spool(spool):
    spool_one()
    with database_unreachable(), pytest.raises(Exception, match="stay in"):
        call_command("replay_lead_spool")
    assert spool_pending() == 1
    call_command("replay_lead_spool", stdout=StringIO())
    assert Lead.objects.count() == 1


@requires_postgresql
def test_two_replays_at_once_save_each_lead_once(spool):
    for number in range(20):
        spool_one(f"token-{number}")
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "LEADS_SPOOL_DIR": str(spool),
    }
    command = [sys.executable, "manage.py", "replay_lead_spool"]
    replays = [
        subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [replay.communicate(timeout=60)[0] for replay in replays]
    assert [replay.returncode for replay in replays] == [0, 0]
    saved = sum(int(output.split()[1]) for output in outputs)
    assert saved == 20
    assert Lead.objects.count() == 20
    assert lead_tasks().count() == 20


def test_a_valid_enquiry_is_spooled_and_thanked_while_the_database_is_down(
    client, spool
):
    pages = make_site_pages()
    offline_copies_refresh()
    with database_unreachable():
        response = client.post(ENQUIRY, form_data(source_page=str(pages["contact"].pk)))
    assert response.status_code == 303
    assert response["Location"] == pages["thank_you"].url
    assert Lead.objects.count() == 0
    assert spool_pending() == 1
    replay_lead_spool()
    lead = Lead.objects.get()
    assert lead.email == "amina@example.com"
    assert lead.source_page_id == pages["contact"].pk
    assert lead_tasks().count() == 1


@requires_postgresql
def test_an_enquiry_on_a_connection_postgresql_dropped_is_saved_not_spooled(
    client, spool
):
    # The view skips Django's check of a kept connection before its first
    # query; a connection that went stale meanwhile must still not cost the
    # reader a direct save.
    pages = make_site_pages()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with psycopg.connect(database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    # As each request starts: the connection is kept, to be checked before use.
    close_old_connections()
    response = client.post(ENQUIRY, form_data(email="kept@example.com"))
    assert response.status_code == 303
    assert response["Location"] == pages["thank_you"].url
    assert list(Lead.objects.values_list("email", flat=True)) == ["kept@example.com"]
    assert lead_tasks().count() == 1
    assert spool_pending() == 0


def test_a_wrong_enquiry_is_refused_with_its_errors_while_the_database_is_down(
    client, spool
):
    make_site_pages()
    offline_copies_refresh()
    with database_unreachable():
        response = client.post(ENQUIRY, form_data(email="not-an-email"))
    assert response.status_code == 400
    soup = parse(response)
    assert soup.find("form") is None  # the form's choices need the database
    items = [li.get_text(" ", strip=True) for li in soup.select("main li")]
    assert items == ["Email: Enter an email address such as name@example.com."]
    assert spool_pending() == 0


def test_minerals_are_checked_against_the_copy_while_the_database_is_down():
    copper = make_mineral("Copper")
    offline_copies_refresh()
    with database_unreachable():
        known = LeadForm(form_data(minerals=[str(copper.pk)]))
        unknown = LeadForm(form_data(minerals=[str(copper.pk + 1)]))
        assert known.is_valid(), known.errors
        assert not unknown.is_valid()
    assert known.cleaned_data["minerals"] == [copper.pk]
    assert unknown.errors["minerals"][0].startswith("Select a valid choice.")


def test_spooled_minerals_become_the_leads_minerals(client, spool):
    make_site_pages()
    copper = make_mineral("Copper")
    offline_copies_refresh()
    with database_unreachable():
        client.post(ENQUIRY, form_data(minerals=[str(copper.pk)]))
    replay_lead_spool()
    assert list(Lead.objects.get().minerals.all()) == [copper]


def test_the_thank_you_page_is_served_from_the_copy_while_the_database_is_down():
    pages = make_site_pages()
    offline_copies_refresh()
    urls = pages["thank_you"].url, pages["privacy"].url
    client = Client(raise_request_exception=False)
    with database_unreachable():
        thank_you, privacy = (client.get(url) for url in urls)
    assert thank_you.status_code == 200
    heading = parse(thank_you).find("h1").get_text(strip=True)
    assert heading == "Thank you for your enquiry"
    assert thank_you["Content-Security-Policy"]
    assert privacy.status_code == 500
