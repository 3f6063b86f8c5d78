import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.inserts import insert_new
from leads.forms import CONSENT_TEXT
from leads.models import Lead
from leads.pages import SourcePage
from leads.services import lead_create
from tests.builders import make_article, make_mineral
from tests.leads.builders import build_lead, form_data, make_lead, make_site_pages
from tests.leads.servers import requires_postgresql


def lead_tasks():
    return DBTaskResult.objects.filter(task_path__startswith="leads.tasks.")


def tasks_seen_by_a_worker() -> list[dict]:
    """The lead tasks another connection (a worker's) sees right now."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_tasks_seen_on_a_new_connection).result()


def _tasks_seen_on_a_new_connection() -> list[dict]:
    try:
        return [task.args_kwargs["kwargs"] for task in lead_tasks()]
    finally:
        connection.close()


# PostgreSQL: SQLite's in-memory test database locks the table for the reader.
@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_notification_is_queued_only_after_the_transaction_commits():
    with transaction.atomic():
        lead, created = lead_create(lead=build_lead())
        assert created
        assert tasks_seen_by_a_worker() == []
    assert tasks_seen_by_a_worker() == [{"lead_id": lead.pk, "attempt": 1}]


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_queues_nothing_and_keeps_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_create(lead=build_lead())
        raise RuntimeError("the caller failed after the lead was saved")
    assert not Lead.objects.exists()
    assert not lead_tasks().exists()


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_refuses_the_task_costs_no_lead(caplog):
    # The queue's table gone (a half-applied deployment): the task's INSERT
    # fails inside the lead's transaction, which is then made again without it.
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO lead_queue_away")
    try:
        lead, created = lead_create(lead=build_lead(), form_token="t-queue")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE lead_queue_away RENAME TO {table}")
    assert created
    saved = Lead.objects.get()
    assert (saved.pk, saved.submission_token) == (lead.pk, "t-queue")
    assert saved.notification_state == Lead.NotificationState.PENDING
    assert saved.contact.email == saved.email
    assert "Could not queue the notification" in caplog.text
    assert not lead_tasks().exists()


@pytest.mark.django_db
def test_service_validates_before_saving():
    with pytest.raises(ValidationError) as error:
        lead_create(lead=build_lead(email="nope", investor_type="whale"))
    assert set(error.value.message_dict) == {"email", "investor_type"}
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_consent_time_and_wording_are_recorded():
    lead, _ = lead_create(lead=build_lead())
    assert lead.consent_at == lead.created_at
    assert lead.consent_text == CONSENT_TEXT


@pytest.mark.django_db
def test_no_consent_records_no_time_and_no_wording():
    lead, _ = lead_create(lead=build_lead(consent=False))
    assert (lead.consent_at, lead.consent_text) == (None, "")


@pytest.mark.django_db
def test_source_page_minerals_and_spam_verdict_are_filled_in(
    django_capture_on_commit_callbacks,
):
    make_site_pages()
    article = make_article(minerals=[make_mineral("Copper")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lead, _ = lead_create(
            lead=build_lead(),
            minerals=article.minerals.all(),
            source_page=SourcePage.of(article),
            spam_reason="honeypot",
        )
    lead.refresh_from_db()
    assert (lead.source_page_id, lead.source_title) == (article.pk, article.title)
    assert lead.source_url.endswith(article.url)
    assert [mineral.name for mineral in lead.minerals.all()] == ["Copper"]
    assert (lead.status, lead.spam_reason) == (Lead.Status.SPAM, "honeypot")
    assert lead.notification_state == Lead.NotificationState.SKIPPED
    assert not callbacks


@pytest.mark.django_db
def test_same_token_returns_the_first_lead():
    first, created_first = lead_create(lead=build_lead(), form_token="abc")
    second, created_second = lead_create(lead=build_lead(), form_token="abc")
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk


@pytest.mark.django_db
def test_returning_email_is_linked_case_insensitively_not_merged():
    first = make_lead(email="Amina@Example.com")
    other = make_lead(email="someone@example.com")
    second, _ = lead_create(lead=build_lead(email="amina@example.COM"))
    assert Lead.objects.count() == 3
    assert list(second.earlier_enquiries()) == [first]
    assert other not in second.earlier_enquiries()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_of_one_form_creates_one_lead(clean_cache):
    make_site_pages()
    article = make_article()
    data = form_data(source_page=article.pk)
    barrier = threading.Barrier(4)
    statuses = []

    def submit():
        try:
            barrier.wait()
            statuses.append(Client().post("/leads/enquiry/", data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303, 303, 303]
    assert Lead.objects.count() == 1
    assert lead_tasks().count() == 1


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_service_calls_with_one_token_race_on_the_constraint():
    barrier = threading.Barrier(2)
    results = []

    def create():
        try:
            with transaction.atomic():
                barrier.wait()
                lead, created = lead_create(lead=build_lead(), form_token="same")
                if created:
                    # Hold the row uncommitted so the other insert must wait on it.
                    time.sleep(0.5)
            results.append(created)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Lead.objects.count() == 1
    assert sorted(results) == [False, True]


@pytest.mark.django_db
def test_a_new_lead_is_stored_as_save_stores_it_with_its_signals(django_user_model):
    from django.db.models.signals import post_save, pre_save

    article = make_article()
    fields = {
        "name": "Zara Ahmed",
        "email": "zara@example.com",
        "company": "Gilgit Lithium",
        "message": "Offtake terms?\nThanks.",
        "investor_type": Lead.InvestorType.choices[0][0],
        "consent": True,
        "consent_at": timezone.now(),
        "consent_text": CONSENT_TEXT,
        "created_at": timezone.now(),
        "source_page_id": article.pk,
        "source_url": "https://btobservices.pk/copper/",
        "source_title": "Copper",
        "utm_source": "newsletter",
        "owner": django_user_model.objects.create(username="sales"),
        "status": Lead.Status.SPAM,
        "spam_reason": "honeypot",
    }
    sent = []

    def record(signal):
        def receiver(sender, instance, **kwargs):
            sent.append((signal, instance.pk, kwargs.get("created")))

        return receiver

    receivers = {pre_save: record("pre"), post_save: record("post")}
    for signal, receiver in receivers.items():
        signal.connect(receiver, sender=Lead)
    try:
        ours = Lead(**fields, submission_token="ours")
        insert_new(ours)
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver, sender=Lead)
    djangos = Lead(**fields, submission_token="djangos")
    djangos.save()
    assert sent == [("pre", None, None), ("post", ours.pk, True)]
    assert not ours._state.adding and ours._state.db == "default"

    def stored(lead):
        row = Lead.objects.filter(pk=lead.pk).values().get()
        return {k: v for k, v in row.items() if k not in ("id", "submission_token")}

    assert stored(ours) == stored(djangos)
    assert Lead.objects.get(pk=ours.pk).submission_token == "ours"  # noqa: S105


@pytest.mark.django_db
def test_the_queue_stores_and_signals_a_task_as_django_tasks_db_does():
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.compat import task_enqueued

    from btob.tasks import DatabaseBackend as OurBackend
    from leads.tasks import send_lead_notification

    signalled = []

    def receiver(sender, task_result, **kwargs):
        signalled.append((sender, task_result.id))

    task_enqueued.connect(receiver)
    try:
        results = [
            backend("default", {}).enqueue(
                send_lead_notification, (), {"lead_id": 7, "attempt": 1}
            )
            for backend in (OurBackend, DatabaseBackend)
        ]
    finally:
        task_enqueued.disconnect(receiver)
    assert signalled == [(OurBackend, results[0].id), (DatabaseBackend, results[1].id)]

    def stored(result):
        row = DBTaskResult.objects.filter(pk=result.id).values().get()
        return {k: v for k, v in row.items() if k not in ("id", "enqueued_at")}

    ours, theirs = (DBTaskResult.objects.get(pk=result.id) for result in results)
    assert stored(results[0]) == stored(results[1])
    assert ours.status == theirs.status == "READY"
    assert abs(ours.enqueued_at - theirs.enqueued_at) < timedelta(seconds=5)
    assert results[0].task.func is send_lead_notification.func
