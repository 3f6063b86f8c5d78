import itertools

import pytest
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from articles.inserts import id_statement, insert_new, inserts_held, statements_run
from articles.models import Mineral

pytestmark = pytest.mark.django_db

quote = connection.ops.quote_name
TABLE = quote(Mineral._meta.db_table)
NAME, SLUG, ALIASES = (quote(column) for column in ("name", "slug", "aliases"))
SELECT_SLUG = f"SELECT {SLUG} FROM {TABLE} WHERE {NAME} = %s"  # noqa: S608
COLUMNS = f"{NAME}, {SLUG}, {ALIASES}"
INSERT = f"INSERT INTO {TABLE} ({COLUMNS}) VALUES (%s, %s, '')"  # noqa: S608


SQLITE_IDS = itertools.count(1000)


def new_mineral(name: str) -> Mineral:
    """An unsaved mineral with the id the database would give it (on SQLite,
    which has no statement for that, one of the test's own)."""
    statement = id_statement(Mineral, DEFAULT_DB_ALIAS)
    if statement is None:
        pk = next(SQLITE_IDS)
    else:
        ((pk,),) = statements_run(DEFAULT_DB_ALIAS, [statement])
    return Mineral(pk=pk, name=name, slug=name.lower())


def test_statements_run_in_order_and_give_each_ones_first_row():
    # Values that quoting must keep: a percent sign, quotes, a semicolon.
    name = "Copper 100% 'pure'; \"cathode\""
    rows = statements_run(
        DEFAULT_DB_ALIAS,
        [
            (INSERT, [name, "copper"]),
            (SELECT_SLUG, [name]),
            (SELECT_SLUG, ["Tin"]),
            ("SELECT %s, %s", [2, "50% off"]),
        ],
    )
    assert rows == [None, ("copper",), None, (2, "50% off")]
    assert Mineral.objects.get().name == name


def test_statements_go_in_one_round_trip_on_postgresql_one_each_elsewhere():
    statements = [("SELECT %s", [number]) for number in range(3)]
    with CaptureQueriesContext(connection) as captured:
        rows = statements_run(DEFAULT_DB_ALIAS, statements)
    assert rows == [(0,), (1,), (2,)]
    assert len(captured) == (1 if connection.vendor == "postgresql" else 3)


def test_a_failing_statement_raises_and_its_transaction_keeps_nothing():
    with pytest.raises(IntegrityError), transaction.atomic():
        statements_run(
            DEFAULT_DB_ALIAS,
            [
                (INSERT, ["Tin", "tin"]),
                (INSERT, ["Tin", "tin-again"]),
                (INSERT, ["Lithium", "lithium"]),
            ],
        )
    assert not Mineral.objects.exists()


def test_held_rows_are_sent_together_when_the_block_ends_then_signalled():
    seen = []

    def saved(sender, instance, created, **kwargs):
        # What the database holds when the signal comes.
        seen.append((instance.name, created, Mineral.objects.count()))

    post_save.connect(saved, sender=Mineral)
    try:
        with CaptureQueriesContext(connection) as captured:
            with inserts_held(DEFAULT_DB_ALIAS):
                tin = new_mineral("Tin")
                insert_new(tin)
                lithium = new_mineral("Lithium")
                insert_new(lithium)
                assert not Mineral.objects.exists()
                assert seen == []
    finally:
        post_save.disconnect(saved, sender=Mineral)
    assert sorted(Mineral.objects.values_list("pk", "name")) == sorted(
        [(tin.pk, "Tin"), (lithium.pk, "Lithium")]
    )
    assert seen == [("Tin", True, 2), ("Lithium", True, 2)]
    assert not tin._state.adding and tin._state.db == DEFAULT_DB_ALIAS
    inserts = [query for query in captured if "INSERT" in query["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)


def test_a_row_without_its_id_is_not_held():
    with inserts_held(DEFAULT_DB_ALIAS):
        tin = Mineral(name="Tin", slug="tin")
        insert_new(tin)
        assert Mineral.objects.get().pk == tin.pk


def test_nothing_held_is_sent_when_the_block_raises():
    with pytest.raises(RuntimeError), inserts_held(DEFAULT_DB_ALIAS):
        insert_new(new_mineral("Tin"))
        raise RuntimeError("the caller failed")
    assert not Mineral.objects.exists()


def test_the_id_statement_gives_the_id_the_next_row_would_get():
    statement = id_statement(Mineral, DEFAULT_DB_ALIAS)
    if connection.vendor != "postgresql":
        assert statement is None
        return
    ((given,),) = statements_run(DEFAULT_DB_ALIAS, [statement])
    later = Mineral.objects.create(name="Tin", slug="tin")
    assert later.pk == given + 1
