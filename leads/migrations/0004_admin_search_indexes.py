"""Trigram indexes for the admin's lead search, on PostgreSQL only.

The admin searches with icontains, which PostgreSQL runs as
UPPER("col"::text) LIKE UPPER('%term%'): each index is on that very expression,
so the planner can use it. SQLite has no trigram indexes and skips this.
"""

from django.db import migrations

SEARCHED = ("name", "email", "company", "message")


def index_name(column: str) -> str:
    return f"lead_{column}_trgm_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON leads_lead "
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    # Was 0003_notification_sending; follows 0005_contacts since main added it.
    dependencies = [("leads", "0005_contacts")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
