import threading
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from leads.models import Lead
from leads.services import lead_create, lead_notification_resend
from leads.tasks import MAX_ATTEMPTS, RETRY_DELAYS, send_lead_acknowledgement
from tests.leads.builders import NOTIFY, build_lead, form_data, run_worker
from tests.leads.servers import requires_postgresql
from tests.leads.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)


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


@override_settings(LEADS_ACKNOWLEDGE=True)
def test_acknowledgement_goes_at_most_once_per_address_per_24_hours():
    first = create(email="amina@example.com")
    create(email="AMINA@Example.com")
    run_worker()
    assert [message.to for message in mail.outbox] == [["amina@example.com"]]
    Lead.objects.filter(pk=first.pk).update(
        acknowledged_at=timezone.now() - timedelta(hours=23)
    )
    create(email="amina@example.com")
    run_worker()
    assert len(mail.outbox) == 1
    Lead.objects.filter(pk=first.pk).update(
        acknowledged_at=timezone.now() - timedelta(hours=25)
    )
    later = create(email="amina@example.com")
    run_worker()
    assert [message.to for message in mail.outbox] == [["amina@example.com"]] * 2
    later.refresh_from_db()
    assert later.acknowledged_at is not None


@override_settings(LEADS_ACKNOWLEDGE=True)
def test_acknowledgement_never_goes_to_spam():
    marked_later = create(email="marked@example.com")
    Lead.objects.filter(pk=marked_later.pk).update(status=Lead.Status.SPAM)
    lead_create(lead=build_lead(email="bot@example.com"), spam_reason="honeypot")
    run_worker()
    assert mail.outbox == []


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@requires_postgresql
@override_settings(LEADS_ACKNOWLEDGE=True)
def test_acknowledgement_waits_for_another_one_to_the_same_address_in_flight():
    first = create(email="amina@example.com")
    second = create(email="Amina@Example.com")
    results = []

    def acknowledge_second():
        try:
            results.append(send_lead_acknowledgement.call(lead_id=second.pk))
        finally:
            connection.close()

    thread = threading.Thread(target=acknowledge_second)
    # Stand in for the first lead's task between its claim and its commit.
    with transaction.atomic():
        Lead.objects.select_for_update().filter(pk=first.pk).get()
        Lead.objects.filter(pk=first.pk).update(acknowledged_at=timezone.now())
        thread.start()
        deadline = time.monotonic() + 5
        while not blocked_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
    thread.join()
    assert results == ["skipped"]
    assert mail.outbox == []


def test_failed_acknowledgement_can_be_sent_by_the_next_enquiry(smtp_settings):
    with override_settings(LEADS_ACKNOWLEDGE=True):
        first = create(email="amina@example.com")
        run_worker()  # nobody listens on the port
        first.refresh_from_db()
        assert first.acknowledged_at is None
        create(email="amina@example.com")
        with smtp_server(smtp_settings) as inbox:
            run_worker()
    assert [tuple(rcpt) for rcpt, _ in inbox.messages].count(
        ("amina@example.com",)
    ) == 1


def make_due_only(task: DBTaskResult) -> None:
    DBTaskResult.objects.exclude(pk=task.pk).update(
        run_after=timezone.now() + timedelta(hours=1)
    )
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now())


@pytest.mark.parametrize("runs_first", ["retry", "resend"])
def test_queued_retry_and_manual_resend_deliver_one_mail(
    client, django_user_model, smtp_settings, runs_first
):
    lead = create()
    run_worker()  # nobody listens on the port: attempt 2 is queued
    retry = pending_lead_tasks().get()
    admin = django_user_model.objects.create_superuser(
        "admin", "admin@btobservices.pk", "a long test password"
    )
    client.force_login(admin)
    response = client.post(
        "/django-admin/leads/lead/",
        {"action": "resend_notification", "_selected_action": [lead.pk]},
    )
    assert response.status_code == 302
    resend = pending_lead_tasks().exclude(pk=retry.pk).get()
    order = [retry, resend] if runs_first == "retry" else [resend, retry]
    with smtp_server(smtp_settings) as inbox:
        for task in order:
            make_due_only(task)
            run_worker()
        pending_lead_tasks().update(run_after=timezone.now())
        run_worker()
    assert len(inbox.messages) == 1
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.SENT
    assert not pending_lead_tasks().exists()


def test_resend_leaves_a_lead_being_sent_alone():
    lead = create()
    DBTaskResult.objects.all().delete()
    Lead.objects.filter(pk=lead.pk).update(
        notification_state=Lead.NotificationState.SENDING, notification_attempts=1
    )
    assert lead_notification_resend(lead=lead) is False
    assert not pending_lead_tasks().exists()


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
