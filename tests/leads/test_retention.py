"""Retention: closed leads unchanged for LEADS_RETENTION_DAYS are erased."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from articles.periodic import registered_jobs
from leads.models import Lead, LeadNote, LeadStatusChange
from leads.services import lead_erase_expired
from tests.leads.builders import make_lead

pytestmark = pytest.mark.django_db


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def erased(lead: Lead) -> bool:
    lead.refresh_from_db()
    return lead.erased_at is not None and lead.email == ""


def test_default_retention_is_730_days(settings):
    assert settings.LEADS_RETENTION_DAYS == 730


@pytest.mark.parametrize("status", [Lead.Status.WON, Lead.Status.LOST, "spam"])
def test_closed_lead_older_than_retention_is_erased(status):
    lead = make_lead(status=status, created_at=days_ago(731))
    assert lead_erase_expired() == 1
    assert erased(lead)


@pytest.mark.parametrize(
    "status", [Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED]
)
def test_open_lead_is_kept_however_old(status):
    lead = make_lead(status=status, created_at=days_ago(2000))
    assert lead_erase_expired() == 0
    assert not erased(lead)


def test_closed_lead_younger_than_retention_is_kept():
    lead = make_lead(status=Lead.Status.WON, created_at=days_ago(729))
    assert lead_erase_expired() == 0
    assert not erased(lead)


def test_a_recent_status_change_or_note_keeps_an_old_lead():
    by_status = make_lead(status=Lead.Status.LOST, created_at=days_ago(1000))
    LeadStatusChange.objects.create(
        lead=by_status, from_status="new", to_status="lost", changed_at=days_ago(10)
    )
    by_note = make_lead(status=Lead.Status.WON, created_at=days_ago(1000))
    LeadNote.objects.create(lead=by_note, text="Renewal", created_at=days_ago(10))
    LeadNote.objects.create(lead=by_note, text="Signed", created_at=days_ago(900))
    assert lead_erase_expired() == 0
    assert lead_erase_expired(now=timezone.now() + timedelta(days=721)) == 2
    assert erased(by_status)
    assert erased(by_note)


@override_settings(LEADS_RETENTION_DAYS=30)
def test_retention_follows_the_setting():
    lead = make_lead(status=Lead.Status.SPAM, created_at=days_ago(31))
    assert lead_erase_expired() == 1
    assert erased(lead)


def test_command_erases_expired_leads_and_says_how_many():
    expired = make_lead(status=Lead.Status.WON, created_at=days_ago(800))
    kept = make_lead(status=Lead.Status.WON, email="recent@example.com")
    out = StringIO()
    call_command("erase_expired_leads", stdout=out)
    assert "1 lead(s)" in out.getvalue()
    assert erased(expired)
    assert not erased(kept)
    out = StringIO()
    call_command("erase_expired_leads", stdout=out)
    assert "0 lead(s)" in out.getvalue()


def test_the_worker_erases_expired_leads_daily():
    job = {job.name: job for job in registered_jobs()}["leads.erase_expired_leads"]
    assert job.interval == timedelta(days=1)
    assert not job.per_host
    expired = make_lead(status=Lead.Status.LOST, created_at=days_ago(800))
    job.function()
    assert erased(expired)
