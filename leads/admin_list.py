"""The lead list's filters, counts and date hierarchy, kept fast at 100,000 leads.

Django's defaults scan the whole table on every view: DISTINCT over a
many-to-many filter, SELECT DISTINCT for the country choices and the date
hierarchy's years, COUNT(*) for the pages. These give the same choices and
results from index lookups.
"""

import json
from datetime import datetime

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Exists, Max, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.functional import cached_property

from articles.models import Mineral
from leads.models import Lead

# Counted exactly up to this many rows; beyond it PostgreSQL's estimate is shown.
EXACT_COUNT_LIMIT = 1000


class MineralFilter(admin.SimpleListFilter):
    """Django's filter for a many-to-many field makes the list SELECT DISTINCT
    every column; an EXISTS on the link table needs no DISTINCT."""

    title = "minerals of interest"
    parameter_name = "minerals__id__exact"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name) for pk, name in Mineral.objects.values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        chosen = Lead.minerals.through.objects.filter(
            lead_id=OuterRef("pk"), mineral_id=int(self.value())
        )
        return queryset.filter(Exists(chosen))


class CountryFilter(admin.SimpleListFilter):
    """The countries leads gave, found by hopping along lead_country_idx (one
    index probe per country) rather than reading every row."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        table = Lead._meta.db_table
        column = Lead._meta.get_field("country").column
        quote = connections[Lead.objects.db].ops.quote_name
        table, column = quote(table), quote(column)
        sql = (
            f"WITH RECURSIVE found(country) AS ("  # noqa: S608 - names, not input
            f"SELECT MIN({column}) FROM {table} WHERE {column} > '' "
            f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} "
            f"WHERE {column} > found.country) FROM found "
            f"WHERE found.country IS NOT NULL) "
            f"SELECT country FROM found WHERE country IS NOT NULL"
        )
        with connections[Lead.objects.db].cursor() as cursor:
            cursor.execute(sql)
            return [(country, country) for (country,) in cursor.fetchall()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country=self.value())
        return queryset


class EstimatedCountPaginator(Paginator):
    """Exact counts up to EXACT_COUNT_LIMIT rows; past that, on PostgreSQL, the
    planner's estimate (a COUNT(*) reads every matching row on every view)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        exact = queryset.order_by()[: EXACT_COUNT_LIMIT + 1].count()
        if exact <= EXACT_COUNT_LIMIT or connections[queryset.db].vendor != (
            "postgresql"
        ):
            self.estimated = False
            return exact if exact <= EXACT_COUNT_LIMIT else queryset.count()
        self.estimated = True
        plan = json.loads(queryset.order_by().explain(format="json"))
        return max(int(plan[0]["Plan"]["Plan Rows"]), exact)

    estimated = False


# A list this short has its dates read outright: probing the index for a few
# rare matches is the slow way.
FEW_ROWS = EXACT_COUNT_LIMIT


class CheapDates:
    """A change list's queryset for Django's date_hierarchy tag: its year, month
    and day links come from one EXISTS per candidate (an index range probe)
    instead of SELECT DISTINCT over every matching row, all candidates in one
    query after one for the first and last dates; a list of FEW_ROWS or fewer
    has its dates read in one query."""

    def __init__(self, queryset, *, count: int | None = None):
        self.queryset = queryset.order_by()
        self.few = count is not None and count <= FEW_ROWS
        self.bounds: dict | None = None
        self.moments: list[datetime] | None = None

    def aggregate(self, **kwargs):
        """Django asks for first=Min(field), last=Max(field)."""
        (field_name,) = {
            aggregate.source_expressions[0].name for aggregate in kwargs.values()
        }
        if self.few:
            moments = self._moments(field_name)
            first, last = min(moments, default=None), max(moments, default=None)
        else:
            # ORDER BY ... LIMIT 1 walks the created_at index to the first
            # match; MIN() over a filter reads every matching row.
            dated = self.queryset.filter(**{f"{field_name}__isnull": False})
            dated = dated.values(field_name)
            row = self._one_row(
                first=Subquery(dated.order_by(field_name)[:1]),
                last=Subquery(dated.order_by(f"-{field_name}")[:1]),
            )
            first, last = (row or {}).get("first"), (row or {}).get("last")
        self.bounds = {"first": first, "last": last}
        return self.bounds

    def _one_row(self, **subqueries) -> dict | None:
        """Several subqueries in one round trip, as columns of the list's first
        row (a list without rows has no dates to show anyway)."""
        return next(iter(self.queryset.values(**subqueries)[:1]), None)

    def _moments(self, field_name: str) -> list[datetime]:
        if self.moments is None:
            self.moments = [
                moment
                for moment in self.queryset.values_list(field_name, flat=True)
                if moment is not None
            ]
        return self.moments

    def dates(self, field_name: str, kind: str):
        return [moment.date() for moment in self.datetimes(field_name, kind)]

    def datetimes(self, field_name: str, kind: str) -> list[datetime]:
        queryset = self.queryset
        bounds = self.bounds or self.aggregate(
            first=Min(field_name), last=Max(field_name)
        )
        if bounds["first"] is None:
            return []
        first, last = (timezone.localtime(bounds[key]) for key in ("first", "last"))
        starts = _bucket_starts(first, last, kind)
        if self.few:
            moments = self._moments(field_name)
            return [
                start
                for start, end in zip(starts, starts[1:], strict=False)
                if any(start <= moment < end for moment in moments)
            ]
        spans = list(zip(starts, starts[1:], strict=False))
        found = self._one_row(
            **{
                f"span_{number}": Exists(
                    queryset.filter(
                        **{f"{field_name}__gte": start, f"{field_name}__lt": end}
                    )
                )
                for number, (start, end) in enumerate(spans)
            }
        )
        return [
            start
            for number, (start, end) in enumerate(spans)
            if found and found[f"span_{number}"]
        ]


def _bucket_starts(first: datetime, last: datetime, kind: str) -> list[datetime]:
    """The local starts of every year, month or day from `first` to `last`, and
    the start of the one after."""
    step = {"year": _next_year, "month": _next_month, "day": _next_day}[kind]
    start = _truncate(first, kind)
    starts = [start]
    while start <= last:
        start = step(start)
        starts.append(start)
    return starts


def _truncate(moment: datetime, kind: str) -> datetime:
    parts = {"year": (moment.year, 1, 1), "month": (moment.year, moment.month, 1)}
    return timezone.make_aware(
        datetime(*parts.get(kind, (moment.year, moment.month, moment.day)))
    )


def _next_year(start: datetime) -> datetime:
    return timezone.make_aware(datetime(start.year + 1, 1, 1))


def _next_month(start: datetime) -> datetime:
    year, month = divmod(start.year * 12 + start.month, 12)
    return timezone.make_aware(datetime(year, month + 1, 1))


def _next_day(start: datetime) -> datetime:
    return timezone.make_aware(datetime.fromordinal(start.date().toordinal() + 1))
