"""Periodic jobs (articles.periodic) and the worker that runs them."""

import threading
from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import periodic
from articles.jobs import prune_login_logs, requeue_stalled_tasks
from articles.models import PeriodicJob
from leads.tasks import send_lead_notification
from tests.leads.servers import requires_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jobs(monkeypatch, settings):
    """Only the jobs a test registers, run every PERIODIC_TEST_SECONDS."""
    settings.PERIODIC_TEST_SECONDS = 60
    monkeypatch.setattr(periodic, "JOBS", {})
    monkeypatch.setattr(periodic, "_host_started", {})
    monkeypatch.setattr(periodic, "_discovered", True)
    runs = []

    @periodic.periodic_job("tests.count", every="PERIODIC_TEST_SECONDS")
    def count() -> None:
        runs.append(threading.get_ident())

    return runs


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def test_a_job_runs_once_per_interval(jobs):
    assert periodic.run_due_jobs() == ["tests.count"]
    assert periodic.run_due_jobs() == []
    assert len(jobs) == 1
    job = PeriodicJob.objects.get(name="tests.count")
    assert job.last_started_at <= job.last_finished_at
    assert job.last_error == ""


def test_the_interval_is_the_setting_read_at_each_run(jobs, settings):
    periodic.run_due_jobs()
    PeriodicJob.objects.update(last_started_at=timezone.now() - timedelta(seconds=10))
    periodic.run_due_jobs()
    assert len(jobs) == 1
    settings.PERIODIC_TEST_SECONDS = 5
    periodic.run_due_jobs()
    assert len(jobs) == 2


def test_a_restarted_worker_keeps_the_schedule(jobs):
    run_worker()
    run_worker()  # a new worker, started again at once
    assert len(jobs) == 1


def test_a_failing_job_is_recorded_and_the_others_still_run(jobs):
    @periodic.periodic_job("tests.broken", every="PERIODIC_TEST_SECONDS")
    def broken() -> None:
        raise RuntimeError("disk full")

    assert sorted(periodic.run_due_jobs()) == ["tests.broken", "tests.count"]
    assert (
        "RuntimeError: disk full"
        in PeriodicJob.objects.get(name="tests.broken").last_error
    )
    assert len(jobs) == 1


def test_a_per_host_job_runs_on_the_process_clock_without_a_row(jobs, settings):
    runs = []

    @periodic.periodic_job("tests.host", every="PERIODIC_TEST_SECONDS", per_host=True)
    def host() -> None:
        runs.append(1)

    periodic.run_due_jobs()
    periodic.run_due_jobs()
    assert runs == [1]
    assert not PeriodicJob.objects.filter(name="tests.host").exists()
    settings.PERIODIC_TEST_SECONDS = 0
    periodic.run_due_jobs()
    assert runs == [1, 1]


def test_a_job_names_an_existing_setting():
    with pytest.raises(ValueError, match="NO_SUCH_SETTING"):
        periodic.periodic_job("tests.bad", every="NO_SUCH_SETTING")(lambda: None)


@requires_postgresql
def test_a_due_job_runs_once_however_many_workers_claim_it(jobs):
    start = threading.Barrier(4)
    errors = []

    def worker() -> None:
        try:
            start.wait(timeout=10)
            periodic.run_due_jobs()
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(jobs) == 1


def test_a_task_claimed_by_a_worker_that_died_runs_again():
    stalled = send_lead_notification.enqueue(lead_id=1)
    recent = send_lead_notification.enqueue(lead_id=2)
    DBTaskResult.objects.filter(pk=stalled.id).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=30)
    )
    DBTaskResult.objects.filter(pk=recent.id).update(
        status="RUNNING", started_at=timezone.now()
    )
    with override_settings(TASKS_STALLED_AFTER_SECONDS=600):
        assert requeue_stalled_tasks() == 1
    assert DBTaskResult.objects.get(pk=stalled.id).status == "READY"
    assert DBTaskResult.objects.get(pk=recent.id).status == "RUNNING"
    run_worker()
    assert DBTaskResult.objects.get(pk=stalled.id).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_login_logs_older_than_login_log_days_are_pruned_daily(settings):
    settings.LOGIN_LOG_DAYS = 30
    for model in (AccessLog, AccessFailureLog):
        for days, username in ((31, "old"), (29, "recent")):
            entry = model.objects.create(username=username, ip_address="192.0.2.1")
            model.objects.filter(pk=entry.pk).update(
                attempt_time=timezone.now() - timedelta(days=days)
            )
    assert prune_login_logs() == 2
    for model in (AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]
    assert periodic.JOBS["articles.prune_login_logs"].interval == timedelta(days=1)
