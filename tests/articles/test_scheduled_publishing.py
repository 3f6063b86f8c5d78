"""Scheduled go-live and expiry happen in the worker, through a periodic job."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import periodic
from articles.models import ArticlePage
from tests.builders import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def test_the_worker_checks_the_schedule_well_within_two_minutes():
    job = {job.name: job for job in periodic.registered_jobs()}[
        "articles.publish_scheduled"
    ]
    assert job.interval <= timedelta(minutes=1)
    assert not job.per_host


def test_a_page_goes_live_when_its_go_live_time_has_passed(client, settings):
    settings.PUBLISH_SCHEDULED_SECONDS = 1  # the worker looks every second
    page = make_article(publish=False)
    page.go_live_at = timezone.now() + timedelta(seconds=2)
    page.save_revision().publish()  # scheduled, not live
    page.refresh_from_db()
    url = page.get_url()
    assert not page.live
    assert client.get(url).status_code == 404
    run_worker()  # too early: nothing happens
    assert not ArticlePage.objects.get(pk=page.pk).live
    wake = max(page.go_live_at, timezone.now() + timedelta(seconds=1))
    time.sleep((wake - timezone.now()).total_seconds() + 0.1)
    run_worker()
    assert ArticlePage.objects.get(pk=page.pk).live
    assert client.get(url).status_code == 200


def test_a_page_is_unpublished_when_its_expiry_has_passed(client):
    page = make_article()
    url = page.get_url()
    assert client.get(url).status_code == 200  # and now in the page cache
    ArticlePage.objects.filter(pk=page.pk).update(
        expire_at=timezone.now() - timedelta(seconds=1)
    )
    run_worker()
    page.refresh_from_db()
    assert not page.live
    assert page.expired
    assert client.get(url).status_code == 404
