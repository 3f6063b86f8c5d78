"""A notification whose worker died while sending it is still delivered."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from articles.jobs import requeue_stalled_tasks
from leads.models import Lead
from leads.services import lead_create
from tests.leads.builders import build_lead
from tests.leads.servers import ROOT, database_url, requires_postgresql
from tests.leads.smtp import smtp_server

NOTIFY = "sales@btobservices.pk"


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_notification_whose_worker_died_while_sending_is_delivered(smtp_settings):
    # A mail server that accepts the connection and never greets: the worker
    # hangs in the middle of sending, and is killed there.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        environment = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(silent.getsockname()[1]),
            "EMAIL_USE_TLS": "0",
            "LEADS_NOTIFY_EMAILS": NOTIFY,
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--interval",
                "0.2",
            ],
            cwd=ROOT,
            env=environment,
        )
        try:
            with override_settings(LEADS_NOTIFY_EMAILS=[NOTIFY]):
                lead, _ = lead_create(lead=build_lead())
            sending = Lead.NotificationState.SENDING
            wait_for(
                lambda: Lead.objects.get(pk=lead.pk).notification_state == sending, 30
            )
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
    assert DBTaskResult.objects.get().status == "RUNNING"
    with (
        override_settings(TASKS_STALLED_AFTER_SECONDS=0),
        smtp_server(smtp_settings) as inbox,
    ):
        assert requeue_stalled_tasks() == 1
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
        )
    assert len(inbox.messages) == 1
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.SENT
    assert DBTaskResult.objects.get().return_value == "sent"
