"""The leads CSV export: PostgreSQL's COPY path writes what the Python path
(SQLite's) writes, byte for byte."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads import csv_export
from leads.csv_export import CSV_FIELDS, lead_csv_chunks
from leads.models import Lead
from tests.builders import make_mineral
from tests.leads.builders import make_lead, make_staff
from tests.leads.servers import requires_postgresql

pytestmark = pytest.mark.django_db

AWKWARD = {
    "name": '=HYPERLINK("http://evil.example")',
    "company": 'Karakoram, "Metals" Ltd',
    "phone": "+92 300 1234567",
    "country": "",
    "message": "Line one,\r\nline two\nline three\r\t-tab\u00a0and \u5317\u4eac",
    "source_title": "@SUM(A1)",
    "referrer": "\tstarts with a tab",
    "utm_source": "\rstarts with CR",
    "utm_medium": '"',
    "utm_campaign": ",",
    "utm_term": "-1+1",
    "utm_content": "'already quoted",
}


def awkward_leads(django_user_model) -> None:
    """Leads whose every column tests a rule: formula starts, quoting, line
    breaks, empty and missing values, minerals (none, several, awkward names),
    datetimes with and without microseconds."""
    owner = make_staff(django_user_model, "-dash@sales")
    # First by name in any collation, and it starts the joined cell.
    antimony = make_mineral("+Antimony, refined", slug="antimony")
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    make_lead(
        **AWKWARD,
        owner=owner,
        minerals=[gold, antimony, copper],
        status=Lead.Status.QUALIFIED,
        investor_type=Lead.InvestorType.FUND,
        created_at=datetime(2025, 3, 2, 7, 0, tzinfo=UTC),
        consent_at=datetime(2025, 3, 2, 7, 0, 0, 120000, tzinfo=UTC),
    )
    make_lead(
        name="Plain Reader",
        email="plain@example.com",
        consent=False,
        consent_at=None,
        consent_text="",
        minerals=[copper, gold],
        created_at=datetime(2024, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
    )
    for number in range(3):
        make_lead(email=f"r{number}@example.com", minerals=[antimony])


def exported(lines) -> bytes:
    return "".join(lines).encode()


@requires_postgresql
@pytest.mark.parametrize("chunk_rows", [2, 2000])
def test_postgresql_writes_the_same_bytes_as_python(
    django_user_model, monkeypatch, chunk_rows
):
    awkward_leads(django_user_model)
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", chunk_rows)
    for label, queryset, leads in (
        ("all", Lead.objects.all(), 5),
        ("filtered", Lead.objects.filter(minerals__name="Copper").order_by("pk"), 2),
        ("none", Lead.objects.none(), 0),
    ):
        from_python = exported(csv_export._lines_from_python(queryset))
        from_postgresql = exported(csv_export._lines_from_postgresql(queryset))
        assert from_postgresql == from_python, label
        # Every line ends with its lead's created_at; the header does not.
        assert from_python.count(b"+00:00\r\n") == leads, label
    assert from_python == "\ufeff".encode() + ",".join(CSV_FIELDS).encode() + b"\r\n"


def test_awkward_cells_survive_the_export(django_user_model):
    awkward_leads(django_user_model)
    body = exported(lead_csv_chunks(Lead.objects.all()))
    assert body.startswith("\ufeffid,status,owner,".encode())
    assert body.count(b"\r\n") == 6 + AWKWARD["message"].count("\r\n")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert len(rows) == 5
    rows = {row["name"]: row for row in rows}
    awkward = rows["'" + AWKWARD["name"]]
    for name in ("company", "message", "utm_medium", "utm_campaign", "utm_content"):
        assert awkward[name] == AWKWARD[name], name
    for name in ("name", "phone", "source_title", "referrer", "utm_source"):
        assert awkward[name] == "'" + AWKWARD[name], name
    assert awkward["utm_term"] == "'-1+1"
    assert awkward["country"] == ""
    assert awkward["owner"] == "'-dash@sales"
    assert awkward["minerals"] == "'+Antimony, refined; Copper; Gold"
    assert awkward["created_at"] == "2025-03-02 07:00:00+00:00"
    assert awkward["consent_at"] == "2025-03-02 07:00:00.120000+00:00"
    assert (awkward["status"], awkward["investor_type"]) == ("qualified", "fund")
    assert awkward["consent"] == "True"
    plain = rows["Plain Reader"]
    assert (plain["owner"], plain["consent"], plain["consent_at"]) == ("", "False", "")
    assert plain["minerals"] == "Copper; Gold"
    assert plain["created_at"] == "2024-12-31 23:59:59.000001+00:00"


def test_export_streams_in_chunks_with_constant_queries(monkeypatch):
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 10)
    copper = make_mineral("Copper")
    for number in range(25):
        make_lead(email=f"r{number}@example.com", minerals=[copper])
    with CaptureQueriesContext(connection) as captured:
        chunks = list(lead_csv_chunks(Lead.objects.all()))
    # The header, then rows of 10, 10 and 5 leads.
    assert [chunk.count("\r\n") for chunk in chunks] == [1, 10, 10, 5]
    statements = [query["sql"] for query in captured.captured_queries]
    if connection.vendor == "postgresql":
        [copy] = [sql for sql in statements if "leads_lead_minerals" in sql]
        assert copy.startswith("COPY (SELECT")
    else:
        minerals = [sql for sql in statements if "leads_lead_minerals" in sql]
        assert len(minerals) == 3


def test_an_abandoned_download_leaves_the_connection_usable(monkeypatch):
    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 2)
    for number in range(5):
        make_lead(email=f"r{number}@example.com")
    chunks = lead_csv_chunks(Lead.objects.all())
    assert next(chunks).startswith("\ufeffid,")
    assert next(chunks).count("\r\n") == 2
    # What the server does when the reader cancels the download.
    chunks.close()
    assert Lead.objects.count() == 5
