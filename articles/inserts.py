"""INSERT statements built once per model and database, and statements sent
together.

Model.save() builds its INSERT anew for every row. For the rows written on
every enquiry (the lead, its notification task), building it took longer than
the database takes to run it (bench/leads_intake.py). `insert_new` builds it
once, then only works out each row's values as save() does (each field's
pre_save and get_db_prep_save), and sends save()'s signals.

On PostgreSQL each statement also costs a round trip, which took the
application and the database more time than most of the enquiry's statements
themselves: `statements_run` sends several as one message, and `inserts_held`
holds the rows that need nothing back from the database to send them so.
"""

import contextlib
import functools
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

from django.db import connections, router
from django.db.models import Field, Model, signals
from psycopg import ClientCursor

Statement = tuple[str, Sequence]
# While inserts_held runs: its database and the rows held, with their INSERTs.
_held: ContextVar[tuple[str, list[tuple[Model, Statement]]] | None] = ContextVar(
    "inserts_held", default=None
)


def insert_new(instance: Model) -> None:
    """instance.save() for a new row: one INSERT, the same values and signals.
    Inside inserts_held, a row with its primary key set is sent when the
    block ends."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    statement = _insert_sql(model, using, instance.pk is not None)
    if statement is None or not instance._state.adding:
        instance.save(using=using, force_insert=True)
        return
    sql, fields, returns_pk = statement
    db = connections[using]
    signals.pre_save.send(
        sender=model, instance=instance, raw=False, using=using, update_fields=None
    )
    params = [
        field.get_db_prep_save(field.pre_save(instance, add=True), db)
        for field in fields
    ]
    held = _held.get()
    if held is not None and held[0] == using and not returns_pk:
        held[1].append((instance, (sql, params)))
        return
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if returns_pk:
            (instance.pk,) = db.ops.fetch_returned_insert_columns(cursor, ())
    _inserted(instance, using)


def _inserted(instance: Model, using: str) -> None:
    instance._state.adding = False
    instance._state.db = using
    signals.post_save.send(
        sender=type(instance),
        instance=instance,
        created=True,
        update_fields=None,
        raw=False,
        using=using,
    )


@contextlib.contextmanager
def inserts_held(using: str) -> Iterator[None]:
    """Hold each insert_new on database `using` of a row whose primary key is
    set until the block ends; then send the rows together (statements_run),
    and after them their post_save signals. If the block raises, nothing held
    is sent; if sending fails, the error is raised where the block ends."""
    held: list[tuple[Model, Statement]] = []
    token = _held.set((using, held))
    try:
        yield
    finally:
        _held.reset(token)
    statements_run(using, [statement for _, statement in held])
    for instance, _ in held:
        _inserted(instance, using)


def statements_run(using: str, statements: Sequence[Statement]) -> list[tuple | None]:
    """Run `statements` (SQL and parameters) in order on database `using`;
    each one's first row, or None when it returns no rows. On PostgreSQL they
    go in one message, one round trip, their values bound on the client as
    Django has psycopg bind every query; elsewhere one by one."""
    if not statements:
        return []
    with connections[using].cursor() as cursor:
        raw = cursor.cursor
        # A client-side psycopg cursor sends a query without parameters by
        # PostgreSQL's simple protocol, which takes several statements.
        if len(statements) < 2 or not isinstance(raw, ClientCursor):
            rows = []
            for sql, params in statements:
                cursor.execute(sql, params)
                rows.append(cursor.fetchone() if cursor.description else None)
            return rows
        # Without parameters, psycopg sends the text as it is: a "%" the
        # values brought in stays one.
        cursor.execute(
            "; ".join(raw.mogrify(sql, params) for sql, params in statements)
        )
        rows = []
        for _ in statements:
            rows.append(raw.fetchone() if raw.description else None)
            raw.nextset()
        return rows


def id_statement(model: type[Model], using: str) -> Statement | None:
    """A statement whose row is the id the next new `model` row would get by
    default, to be set on it before its INSERT; None where the database has
    no such statement (SQLite)."""
    db = connections[using]
    if db.vendor != "postgresql":
        return None
    return (
        "SELECT nextval(pg_get_serial_sequence(%s, %s))",
        [db.ops.quote_name(model._meta.db_table), model._meta.pk.column],
    )


@functools.cache
def _insert_sql(
    model: type[Model], using: str, pk_given: bool
) -> tuple[str, list[Field], bool] | None:
    """The INSERT of one new `model` row on database `using`, its fields in
    the order of its parameters, and whether it returns the new id; None for
    what it does not handle (save() does that)."""
    db = connections[using]
    meta = model._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if pk_given or field is not meta.pk
    ]
    returns_pk = not pk_given
    if (
        meta.parents
        or (returns_pk and not db.features.can_return_columns_from_insert)
        or [field for field in meta.db_returning_fields if field is not meta.pk]
        or any(
            field.has_db_default()
            or field.generated
            or hasattr(field, "get_placeholder")
            for field in fields
        )
    ):
        return None
    quote = db.ops.quote_name
    returning = db.ops.return_insert_columns([meta.pk])[0] if returns_pk else ""
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) {returning}"
    )
    return sql, fields, returns_pk
