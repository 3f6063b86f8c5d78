import json

from django.core.management.base import BaseCommand, CommandError

from leads.funnel import article_funnel
from leads.reports import COLUMNS, display

JSON_KEYS = (
    "title",
    "url",
    "views",
    "form_starts",
    "leads",
    "qualified",
    "won",
    "won_value",
)


class Command(BaseCommand):
    help = (
        "Print each article's funnel: views, form starts, leads, qualified, won "
        "and won value, over the last --days days (default: all time)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", help="Only the last N days (N at least 1).")
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="A JSON list, one object per article.",
        )

    def handle(self, *args, days: str | None, as_json: bool, **options):
        if days is not None and not (days.isdigit() and int(days) >= 1):
            raise CommandError(
                f"--days must be a whole number of days, 1 or more, not {days!r}."
            )
        rows = article_funnel(days=int(days) if days else None)
        if as_json:
            self.stdout.write(dumps(rows))
            return
        table = [[column.label for column in COLUMNS]]
        table += [
            [display(column.kind, column.value(row)) for column in COLUMNS]
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
        for line in table:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) if i < 2 else cell.rjust(width)
                    for i, (cell, width) in enumerate(zip(line, widths, strict=True))
                ).rstrip()
            )


def dumps(rows) -> str:
    objects = [
        {
            key: float(getattr(row, key)) if key == "won_value" else getattr(row, key)
            for key in JSON_KEYS
        }
        for row in rows
    ]
    return json.dumps(objects, indent=2)
