"""The review digest: mailed by the worker's periodic job, at most once a period."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.utils import timezone

from articles import periodic
from articles.models import PeriodicJob
from tests.builders import make_article
from tests.leads.servers import ROOT, database_url, requires_postgresql
from tests.leads.smtp import free_port, smtp_server, smtp_to_port

pytestmark = pytest.mark.django_db(transaction=True)

EDITORS = "editors@btobservices.pk"


@pytest.fixture
def smtp_port():
    port = free_port()
    with smtp_to_port(
        port,
        EDITORS_NOTIFY_EMAILS=[EDITORS],
        WAGTAILADMIN_BASE_URL="https://cms.example.com",
    ):
        yield port


@pytest.fixture
def due_articles(django_user_model):
    """Two articles of an owner with an address, two for the editors, one not due."""
    today = timezone.localdate()
    owner = django_user_model.objects.create_user("amina", "amina@example.com")
    no_address = django_user_model.objects.create_user("bilal", "")
    old = today - timedelta(days=400)
    make_article(title="Copper outlook", date_published=old, owner=owner)
    make_article(title="Gold royalties", date_published=old, owner=owner)
    make_article(title="Lithium policy", date_published=old, owner=no_address)
    make_article(title="Antimony prices", date_published=old, owner=None)
    make_article(title="Fresh news", date_published=today, owner=owner)
    return owner


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def digests(inbox) -> dict:
    """Review digests received, by their one recipient."""
    found = {}
    for recipients, message in inbox.messages:
        if "due for review" in message["Subject"]:
            assert len(recipients) == 1
            assert recipients[0] not in found, "a second digest"
            found[recipients[0]] = message
    return found


def titles_in(message) -> tuple[list[str], list[str]]:
    """The article titles listed in the HTML part, and the edit links."""
    html = message.get_body(preferencelist=("html",)).get_content()
    soup = BeautifulSoup(html, "html5lib")
    links = soup.find("table").tbody.find_all("a")
    return [a.get_text(strip=True) for a in links], [a["href"] for a in links]


def test_the_worker_mails_each_owner_their_due_articles_once(smtp_port, due_articles):
    with smtp_server(smtp_port) as inbox:
        run_worker()
        run_worker()  # a second worker run within the period sends nothing
    received = digests(inbox)
    assert sorted(received) == ["amina@example.com", EDITORS]
    assert len(inbox.messages) == 2

    owner_mail = received["amina@example.com"]
    assert owner_mail["Subject"] == "2 articles due for review"
    titles, links = titles_in(owner_mail)
    assert titles == ["Copper outlook", "Gold royalties"]
    assert all(
        link.startswith("https://cms.example.com/admin/pages/") for link in links
    )
    text = owner_mail.get_body(preferencelist=("plain",)).get_content()
    assert "Copper outlook" in text
    assert "https://cms.example.com/admin/reports/due-for-review/" in text

    titles, _ = titles_in(received[EDITORS])
    assert sorted(titles) == ["Antimony prices", "Lithium policy"]

    job = PeriodicJob.objects.get(name="articles.send_review_digest")
    assert job.last_error == ""


def test_the_digest_comes_again_once_the_period_has_passed(
    smtp_port, due_articles, settings
):
    settings.REVIEW_DIGEST_SECONDS = 3600
    with smtp_server(smtp_port) as inbox:
        run_worker()
        assert len(inbox.messages) == 2
        PeriodicJob.objects.filter(name="articles.send_review_digest").update(
            last_started_at=timezone.now() - timedelta(seconds=3601)
        )
        run_worker()
    assert len(inbox.messages) == 4


def test_the_digest_runs_daily_by_default():
    job = {job.name: job for job in periodic.registered_jobs()}[
        "articles.send_review_digest"
    ]
    assert job.interval == timedelta(days=1)
    assert not job.per_host  # one worker sends it, however many run


def test_a_refused_recipient_is_recorded_and_the_others_still_get_theirs(
    smtp_port, due_articles
):
    with smtp_server(smtp_port, refuse=("amina@example.com",)) as inbox:
        run_worker()
    assert sorted(digests(inbox)) == [EDITORS]
    job = PeriodicJob.objects.get(name="articles.send_review_digest")
    assert "amina@example.com" in job.last_error


@requires_postgresql
def test_a_running_worker_process_sends_the_digest_once_per_period(
    smtp_port, due_articles, tmp_path
):
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EDITORS_NOTIFY_EMAILS": EDITORS,
        "REVIEW_DIGEST_SECONDS": "3600",
        "LEADS_SPOOL_DIR": str(tmp_path / "spool"),
    }
    command = [sys.executable, "manage.py", "db_worker", "--no-reload"]
    command += ["--interval", "0.2"]
    with smtp_server(smtp_port) as inbox:
        for _ in range(2):  # a restarted worker keeps the schedule
            worker = subprocess.Popen(command, cwd=ROOT, env=environment)
            try:
                deadline = time.monotonic() + 60
                while len(inbox.messages) < 2:
                    assert time.monotonic() < deadline, "no digest within 60 s"
                    time.sleep(0.2)
                time.sleep(3)  # the worker keeps polling: nothing more comes
            finally:
                worker.terminate()
                worker.wait(timeout=15)
    assert sorted(digests(inbox)) == ["amina@example.com", EDITORS]
    assert len(inbox.messages) == 2
