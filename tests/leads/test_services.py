import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from leads.models import Lead
from leads.services import lead_create
from tests.builders import make_article
from tests.leads.builders import form_data, make_lead, make_site_pages
from tests.leads.servers import requires_postgresql

FIELDS = {
    "name": "Amina Qureshi",
    "email": "amina@example.com",
    "consent": True,
    "consent_text": "I agree.",
}


def lead_tasks():
    return DBTaskResult.objects.filter(task_path__startswith="leads.tasks.")


@pytest.mark.django_db
def test_notification_is_queued_only_after_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lead, created = lead_create(**FIELDS)
        assert created
        assert not lead_tasks().exists()
    for callback in callbacks:
        callback()
    task = lead_tasks().get()
    assert task.args_kwargs["kwargs"] == {"lead_id": lead.pk, "attempt": 1}


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_queues_nothing_and_keeps_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_create(**FIELDS)
        raise RuntimeError("the caller failed after the lead was saved")
    assert not Lead.objects.exists()
    assert not lead_tasks().exists()


@pytest.mark.django_db
def test_service_validates_before_saving():
    with pytest.raises(ValidationError) as error:
        lead_create(**{**FIELDS, "email": "nope", "investor_type": "whale"})
    assert set(error.value.message_dict) == {"email", "investor_type"}
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_consent_time_and_wording_are_recorded():
    lead, _ = lead_create(**FIELDS)
    assert lead.consent_at is not None
    assert lead.consent_text == "I agree."


@pytest.mark.django_db
def test_same_token_returns_the_first_lead():
    first, created_first = lead_create(**FIELDS, submission_token="abc")
    second, created_second = lead_create(**FIELDS, submission_token="abc")
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk


@pytest.mark.django_db
def test_returning_email_is_linked_case_insensitively_not_merged():
    first = make_lead(email="Amina@Example.com")
    other = make_lead(email="someone@example.com")
    second, _ = lead_create(**{**FIELDS, "email": "amina@example.COM"})
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
                lead, created = lead_create(**FIELDS, submission_token="same")
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
