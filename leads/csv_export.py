"""The leads CSV export, streamed: memory stays flat however many leads.

On PostgreSQL, COPY writes the rows (the bytes csv.writer would write, which
tests/leads/test_csv_export.py checks); elsewhere Python writes them.
"""

import csv
import io
from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import F, Func, OuterRef, QuerySet, Subquery, TextField

from leads.models import SUBMITTED_FIELDS, Lead

CSV_FIELDS = ("id", "status", "owner", *SUBMITTED_FIELDS)
# Rows per chunk of the response (and, in Python, per query for the minerals).
CHUNK_ROWS = 2000
_COLUMNS = tuple(
    "owner__username" if name == "owner" else name
    for name in CSV_FIELDS
    if name != "minerals"
)
BYTE_ORDER_MARK = "\ufeff"


FORMULA_STARTS = frozenset("=+-@\t\r")


def csv_safe(value) -> str:
    """Stop spreadsheets from running a cell as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


def lead_csv_chunks(queryset: QuerySet[Lead]) -> Iterator[str]:
    """The CSV (with a byte-order mark for spreadsheets) in chunks of rows."""
    if connections[queryset.db].vendor == "postgresql":
        return _lines_from_postgresql(queryset)
    return _lines_from_python(queryset)


def _header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(CSV_FIELDS)
    return BYTE_ORDER_MARK + buffer.getvalue()


def _lines_from_python(queryset: QuerySet[Lead]) -> Iterator[str]:
    """The leads' columns from one cursor, their minerals one query per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield _header()
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


def _lines_from_postgresql(queryset: QuerySet[Lead]) -> Iterator[str]:
    """PostgreSQL writes the rows (COPY ... CSV quotes as csv.writer does);
    Python only ends each line with CRLF, as csv.writer ends it."""
    yield _header()
    cells = {f"csv_{name}": cell for name, cell in _postgresql_cells().items()}
    query = queryset.annotate(**cells).values_list(*cells).query
    try:
        sql, params = query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return
    connection = connections[queryset.db]
    with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
        # The minerals subquery makes the plan look costly enough for JIT
        # compilation, which takes longer than the whole export.
        cursor.execute("SET LOCAL jit = off")
        statement = connection.ops.compose_sql(
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params
        )
        with cursor.copy(statement) as copy:
            # libpq hands over one row at a time, each ending with LF.
            rows = []
            for row in copy:
                rows.append(row[:-1])
                if len(rows) == CHUNK_ROWS:
                    yield _crlf_lines(rows)
                    rows = []
            yield _crlf_lines(rows)


def _crlf_lines(rows: list) -> str:
    return (b"\r\n".join(rows) + b"\r\n").decode() if rows else ""


def _postgresql_cells() -> dict[str, Func]:
    """Each exported column as the text csv.writer gets from the Python path,
    NULL where that text is empty (COPY writes "" for an empty string)."""
    minerals = (
        Lead.minerals.through.objects.filter(lead_id=OuterRef("pk"))
        .order_by()
        .values("lead_id")
        .annotate(
            cell=SafeText(StringAgg("mineral__name", "; ", order_by="mineral__name"))
        )
        .values("cell")
    )
    kinds = {"BooleanField": BooleanText, "DateTimeField": DateTimeText}
    cells = {}
    for name in CSV_FIELDS:
        if name == "minerals":
            cells[name] = Subquery(minerals, output_field=TextField())
        elif name == "owner":
            cells[name] = SafeText(F("owner__username"))
        elif name == "id":
            cells[name] = F("id")
        else:
            kind = Lead._meta.get_field(name).get_internal_type()
            cells[name] = kinds.get(kind, SafeText)(F(name))
    return cells


class _Template(Func):
    """A Func whose SQL names its one argument {value} as often as it needs
    (each time with the argument's own parameters)."""

    output_field = TextField()
    sql = "{value}"

    def as_sql(self, compiler, connection, **extra_context):
        value, params = compiler.compile(self.source_expressions[0])
        times = self.sql.count("{value}")
        return self.sql.format(value=f"({value})"), tuple(params) * times


class SafeText(_Template):
    """csv_safe in SQL: a quote before a formula's first character (ascii()
    gives the first character's code: = + - @ tab CR)."""

    sql = (
        "NULLIF(CASE WHEN ascii({value}) IN (61, 43, 45, 64, 9, 13) "
        "THEN '''' ELSE '' END || {value}, '')"
    )


class BooleanText(_Template):
    """Python's str(): True or False."""

    sql = "CASE {value} WHEN true THEN 'True' WHEN false THEN 'False' END"


class DateTimeText(_Template):
    """Python's str() of the aware UTC datetime the driver returns,
    2025-03-02 07:00:00+00:00, with .ffffff only when there are microseconds."""

    sql = (
        "replace(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
        "'.000000', '') || '+00:00'"
    )
