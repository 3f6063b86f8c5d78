"""The leads CSV export, streamed: memory stays flat however many leads."""

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

from leads.models import SUBMITTED_FIELDS, Lead

CSV_FIELDS = ("id", "status", "owner", *SUBMITTED_FIELDS)
# Rows fetched per query from PostgreSQL's server-side cursor, and written per
# chunk of the response.
CHUNK_ROWS = 2000
_COLUMNS = tuple(
    "owner__username" if name == "owner" else name
    for name in CSV_FIELDS
    if name != "minerals"
)


FORMULA_STARTS = frozenset("=+-@\t\r")


def csv_safe(value) -> str:
    """Stop spreadsheets from running a cell as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def lead_csv_chunks(queryset: QuerySet[Lead]) -> Iterator[str]:
    """The CSV (with a byte-order mark for spreadsheets) in chunks of rows: the
    leads' columns from one cursor, their minerals one query per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_FIELDS)
    rows = queryset.values_list(*_COLUMNS).iterator(chunk_size=CHUNK_ROWS)
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK_ROWS:
            yield _write_chunk(chunk, writer, buffer)
            chunk = []
    yield _write_chunk(chunk, writer, buffer)


def _write_chunk(chunk: list[tuple], writer, buffer: io.StringIO) -> str:
    minerals: dict[int, list[str]] = {}
    links = Lead.minerals.through.objects.filter(lead_id__in=[row[0] for row in chunk])
    for lead_id, name in links.order_by("mineral__name").values_list(
        "lead_id", "mineral__name"
    ):
        minerals.setdefault(lead_id, []).append(name)
    position = CSV_FIELDS.index("minerals")
    # csv_safe inlined: it runs for two million cells. Only text can start a
    # formula; the csv module writes None as "" and other values with str().
    unsafe = FORMULA_STARTS
    rows = []
    for row in chunk:
        cells = [
            "'" + value if value.__class__ is str and value[:1] in unsafe else value
            for value in row
        ]
        cells.insert(position, csv_safe("; ".join(minerals.get(row[0], ()))))
        rows.append(cells)
    writer.writerows(rows)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
