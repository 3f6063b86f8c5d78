"""The enquiry rate limit's counts (leads/ratelimit.py), in a table of their own.

On PostgreSQL the table is UNLOGGED: its writes skip the write-ahead log, so
counting an enquiry waits for no disk flush. What that costs is harmless for a
rate limit: after a crash of PostgreSQL (not a clean restart) the table comes
back empty, and a standby does not have it, so the current windows start again.
"""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE leads_ratecounter SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0006_deal_value"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "key",
                    models.CharField(max_length=100, primary_key=True, serialize=False),
                ),
                ("count", models.PositiveIntegerField()),
                ("expires_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop, elidable=False),
    ]
