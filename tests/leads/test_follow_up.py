"""Follow-up: a lead still new after LEADS_FOLLOW_UP_HOURS mails one reminder."""

import os
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import periodic
from leads.models import Lead
from tests.leads.builders import NOTIFY, make_lead, make_staff, parse, run_worker
from tests.leads.servers import ROOT, database_url, requires_postgresql
from tests.leads.smtp import free_port, smtp_server
from tests.processes import started

pytestmark = pytest.mark.django_db(transaction=True)
LEADS = "/django-admin/leads/lead/"
ONE_SECOND = 1 / 3600  # LEADS_FOLLOW_UP_HOURS


def reminders(inbox) -> list:
    return [
        (recipients, message)
        for recipients, message in inbox.messages
        if message["Subject"].startswith("Follow up: lead #")
    ]


def test_the_job_runs_often_enough_and_in_one_worker_at_a_time():
    job = {job.name: job for job in periodic.registered_jobs()}[
        "leads.queue_follow_ups"
    ]
    assert job.every == "LEADS_FOLLOW_UP_CHECK_SECONDS"
    assert job.interval <= timedelta(minutes=5)
    assert not job.per_host


def test_a_lead_still_new_after_the_hours_reminds_its_owner_once(
    settings, smtp_settings, django_user_model
):
    settings.LEADS_FOLLOW_UP_HOURS = ONE_SECOND
    settings.LEADS_FOLLOW_UP_CHECK_SECONDS = 0.2
    owner = make_staff(django_user_model, "sana")
    lead = make_lead(owner=owner)
    with smtp_server(smtp_settings) as inbox:
        run_worker()  # under a second old: not yet
        assert reminders(inbox) == []
        time.sleep(1.2)
        run_worker()
        time.sleep(0.3)
        run_worker()  # and again: still one
    sent = reminders(inbox)
    assert len(sent) == 1
    recipients, message = sent[0]
    assert recipients == ["sana@btobservices.pk"]
    assert message["Subject"] == (
        f"Follow up: lead #{lead.pk} is still new after {ONE_SECOND:g} hours"
    )
    assert f"/django-admin/leads/lead/{lead.pk}/change/" in message.get_content()
    lead.refresh_from_db()
    assert lead.follow_up_sent_at is not None


def test_a_lead_without_an_owner_reminds_the_notify_list(settings, smtp_settings):
    settings.LEADS_FOLLOW_UP_HOURS = 1
    lead = make_lead(created_at=timezone.now() - timedelta(hours=2))
    make_lead(email="recent@example.com")  # within the hour
    make_lead(
        email="answered@example.com",
        status=Lead.Status.CONTACTED,
        created_at=timezone.now() - timedelta(hours=2),
    )
    make_lead(
        email="spam@example.com",
        status=Lead.Status.SPAM,
        created_at=timezone.now() - timedelta(hours=2),
    )
    with smtp_server(smtp_settings) as inbox:
        run_worker()
    sent = reminders(inbox)
    assert [recipients for recipients, _ in sent] == [NOTIFY]
    assert sent[0][1]["Subject"].startswith(f"Follow up: lead #{lead.pk} ")


def test_a_failed_reminder_is_sent_by_a_later_run(settings, smtp_settings):
    settings.LEADS_FOLLOW_UP_HOURS = 1
    settings.LEADS_FOLLOW_UP_CHECK_SECONDS = 0.2
    lead = make_lead(created_at=timezone.now() - timedelta(hours=2))
    run_worker()  # no mail server listening yet
    lead.refresh_from_db()
    assert lead.follow_up_sent_at is None
    time.sleep(0.3)
    with smtp_server(smtp_settings) as inbox:
        run_worker()
        time.sleep(0.3)
        run_worker()
    assert len(reminders(inbox)) == 1
    lead.refresh_from_db()
    assert lead.follow_up_sent_at is not None


@pytest.mark.django_db  # the Sales group, made by a migration, is kept
def test_overdue_leads_are_a_filter_of_the_lead_admin(
    client, settings, django_user_model
):
    settings.LEADS_FOLLOW_UP_HOURS = 24
    overdue = make_lead(created_at=timezone.now() - timedelta(hours=25))
    make_lead(email="fresh@example.com")
    make_lead(
        email="answered@example.com",
        status=Lead.Status.CONTACTED,
        created_at=timezone.now() - timedelta(hours=25),
    )
    client.force_login(make_staff(django_user_model, "sana", "Sales"))
    page = parse(client.get(LEADS).content.decode())
    option = page.find("a", string="Overdue (still new after LEADS_FOLLOW_UP_HOURS)")
    assert option["href"] == "?follow_up=overdue"
    page = parse(client.get(LEADS + "?follow_up=overdue").content.decode())
    ids = [
        box["value"] for box in page.select("#result_list input[name=_selected_action]")
    ]
    assert ids == [str(overdue.pk)]


@requires_postgresql
def test_two_running_workers_send_each_reminder_once(tmp_path):
    port = free_port()
    leads = [
        make_lead(
            email=f"reader{n}@example.com",
            created_at=timezone.now() - timedelta(hours=2),
        )
        for n in range(5)
    ]
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "0",
        "LEADS_NOTIFY_EMAILS": ",".join(NOTIFY),
        "LEADS_FOLLOW_UP_HOURS": "1",
        "LEADS_FOLLOW_UP_CHECK_SECONDS": "1",
        "LEADS_SPOOL_DIR": str(tmp_path / "spool"),
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload"]
    command += ["--interval", "0.2"]
    with (
        smtp_server(port) as inbox,
        started(command, log=tmp_path / "worker1.log", cwd=ROOT, env=env),
        started(command, log=tmp_path / "worker2.log", cwd=ROOT, env=env),
    ):
        deadline = time.monotonic() + 60
        while len(reminders(inbox)) < len(leads) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # a few more runs of the job, in both workers
    subjects = sorted(message["Subject"] for _, message in reminders(inbox))
    assert subjects == sorted(
        f"Follow up: lead #{lead.pk} is still new after 1 hours" for lead in leads
    )
