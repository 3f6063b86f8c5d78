import json
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from leads.models import Lead, LeadNote
from tests.builders import make_mineral
from tests.leads.builders import make_lead
from tests.leads.servers import ROOT

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_export_prints_every_lead_of_the_email_as_json():
    lead = make_lead(email="Amina@Example.com", minerals=[make_mineral("Gold")])
    LeadNote.objects.create(lead=lead, text="Called back")
    make_lead(email="other@example.com")
    data = json.loads(run("export_lead_data", "amina@example.com"))
    assert len(data) == 1
    assert data[0]["name"] == "Amina Qureshi"
    assert data[0]["minerals"] == ["Gold"]
    assert data[0]["notes"][0]["text"] == "Called back"


def test_erase_removes_personal_data_and_keeps_the_count():
    lead = make_lead(email="amina@example.com", phone="+92 300", message="Hi")
    LeadNote.objects.create(lead=lead, text="Her husband is Bilal")
    output = run("erase_lead_data", "AMINA@example.com")
    assert "1 lead" in output
    lead.refresh_from_db()
    assert (lead.name, lead.email, lead.phone, lead.message) == ("[erased]", "", "", "")
    assert lead.erased_at is not None
    assert Lead.objects.count() == 1
    assert lead.notes.get().text == "[erased]"
    assert json.loads(run("export_lead_data", "amina@example.com")) == []


def test_purge_spam_deletes_only_old_spam():
    old = timezone.now() - timedelta(days=40)
    make_lead(status=Lead.Status.SPAM, created_at=old)
    recent_spam = make_lead(status=Lead.Status.SPAM)
    old_real = make_lead(created_at=old)
    run("purge_spam", "--days", "30")
    assert set(Lead.objects.all()) == {recent_spam, old_real}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export_lead_data", "not-an-email"], "is not an email address."),
        (["erase_lead_data", "nobody@example.com"], "No leads are held for"),
        (["purge_spam", "--days", "-3"], "--days must be a whole number"),
        (["purge_spam", "--days", "soon"], "--days must be a whole number"),
    ],
)
def test_bad_input_is_one_sentence(args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args, stdout=StringIO())


def test_bad_input_exits_non_zero_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "manage.py", "erase_lead_data", "not-an-email"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip() == "CommandError: 'not-an-email' is not an email address."
    )
