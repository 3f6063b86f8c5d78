from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.models import Lead
from leads.services import lead_create, lead_notification_resend
from leads.tasks import MAX_ATTEMPTS, RETRY_DELAYS
from tests.leads.builders import build_lead, form_data
from tests.leads.smtp import free_port, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
NOTIFY = ["sales@btobservices.pk", "ceo@btobservices.pk"]


@pytest.fixture
def smtp_settings():
    port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
        LEADS_NOTIFY_EMAILS=NOTIFY,
    ):
        yield port


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def pending_lead_tasks():
    return DBTaskResult.objects.filter(
        task_path="leads.tasks.send_lead_notification", status="READY"
    )


def create(**overrides) -> Lead:
    fields = {"company": "Indus Capital", "message": "Hello", **overrides}
    lead, _ = lead_create(lead=build_lead(**fields))
    return lead


def test_notification_is_delivered_with_reply_to_the_lead(smtp_settings):
    with smtp_server(smtp_settings) as inbox:
        lead = create()
        run_worker()
    (recipients, message) = inbox.messages[0]
    assert sorted(recipients) == sorted(NOTIFY)
    assert message["Reply-To"] == "Amina Qureshi <amina@example.com>"
    assert message["Subject"] == "New enquiry from Amina Qureshi (Indus Capital)"
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.SENT
    assert lead.notification_attempts == 1
    assert lead.notified_at is not None


def test_name_with_cr_lf_injects_no_header(smtp_settings):
    with smtp_server(smtp_settings) as inbox:
        create(
            name="Eve\r\nBcc: victim@example.org\r\nX-Evil: 1",
            company="ACME\nCc: other@example.org",
        )
        run_worker()
    recipients, message = inbox.messages[0]
    assert sorted(recipients) == sorted(NOTIFY)
    for header in ("Bcc", "Cc", "X-Evil"):
        assert message[header] is None
    assert "\n" not in message["Subject"]
    assert message["Subject"].startswith("New enquiry from Eve Bcc: victim")


def test_html_in_the_lead_is_escaped_in_the_html_mail(smtp_settings):
    with smtp_server(smtp_settings) as inbox:
        create(name="<b>Bold</b>", message="<script>alert(1)</script>")
        run_worker()
    _, message = inbox.messages[0]
    html = message.get_body(preferencelist=("html",)).get_content()
    soup = BeautifulSoup(html, "html5lib")
    assert soup.find("script") is None
    assert soup.find("b") is None
    assert "<script>alert(1)</script>" in soup.find(class_="message").get_text()


def test_failed_delivery_is_retried_within_30_seconds_then_succeeds(smtp_settings):
    lead = create()
    run_worker()  # nobody listens on the port yet
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.RETRYING
    assert lead.notification_attempts == 1
    assert "Attempt 1" in lead.notification_error
    retry = pending_lead_tasks().get()
    assert retry.run_after - timezone.now() <= timedelta(seconds=30)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    run_worker()  # too early: nothing runs
    assert pending_lead_tasks().count() == 1
    pending_lead_tasks().update(run_after=timezone.now())
    with smtp_server(smtp_settings) as inbox:
        run_worker()
    assert len(inbox.messages) == 1
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.SENT
    assert lead.notification_attempts == 2


def test_delivery_gives_up_after_six_attempts_with_growing_delays(smtp_settings):
    assert MAX_ATTEMPTS >= 5
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)
    lead = create()
    for _ in range(MAX_ATTEMPTS):
        pending_lead_tasks().update(run_after=timezone.now())
        run_worker()
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.FAILED
    assert lead.notification_attempts == MAX_ATTEMPTS
    assert not pending_lead_tasks().exists()


def test_resend_queues_the_notification_again(smtp_settings):
    lead = create()
    Lead.objects.filter(pk=lead.pk).update(
        notification_state=Lead.NotificationState.FAILED, notification_attempts=6
    )
    DBTaskResult.objects.all().delete()
    lead_notification_resend(lead=lead)
    with smtp_server(smtp_settings) as inbox:
        run_worker()
    assert len(inbox.messages) == 1
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.SENT


def test_acknowledgement_goes_to_the_lead_only_when_switched_on(smtp_settings):
    with smtp_server(smtp_settings) as inbox:
        create(email="first@example.com")
        run_worker()
        with override_settings(LEADS_ACKNOWLEDGE=True):
            create(email="second@example.com")
        run_worker()
    recipients = [tuple(rcpt) for rcpt, _ in inbox.messages]
    assert ("first@example.com",) not in recipients
    assert ("second@example.com",) in recipients
    assert Lead.objects.get(email="second@example.com").acknowledged_at is not None


def test_mail_server_down_and_task_crashing_still_save_the_lead(
    client, smtp_settings, clean_cache
):
    # The immediate backend runs the task inside the request; its retry
    # cannot be deferred there, so the task itself crashes.
    with override_settings(
        TASKS={
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        }
    ):
        response = client.post("/leads/enquiry/", form_data())
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert lead.notification_state == Lead.NotificationState.RETRYING
