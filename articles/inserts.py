"""INSERT statements built once per model and database.

Model.save() builds its INSERT anew for every row. For the rows written on
every enquiry (the lead, its notification task), building it took longer than
the database takes to run it (bench/leads_intake.py). `insert_new` builds it
once, then only works out each row's values as save() does (each field's
pre_save and get_db_prep_save), and sends save()'s signals.
"""

import functools

from django.db import connections, router
from django.db.models import Field, Model, signals


def insert_new(instance: Model) -> None:
    """instance.save() for a new row: one INSERT, the same values and signals."""
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
    with db.cursor() as cursor:
        cursor.execute(
            sql,
            [
                field.get_db_prep_save(field.pre_save(instance, add=True), db)
                for field in fields
            ],
        )
        if returns_pk:
            (instance.pk,) = db.ops.fetch_returned_insert_columns(cursor, ())
    instance._state.adding = False
    instance._state.db = using
    signals.post_save.send(
        sender=model,
        instance=instance,
        created=True,
        update_fields=None,
        raw=False,
        using=using,
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
