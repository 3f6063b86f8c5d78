"""The "Article performance" report in the Wagtail admin, and its CSV export."""

import csv
import html
from dataclasses import dataclass

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from articles.models import Mineral
from leads.csv_export import csv_safe
from leads.funnel import (
    PERIOD_LABELS,
    PERIODS,
    VALUE_PERMISSION,
    FunnelRow,
    article_funnel,
    campaign_totals,
    mineral_totals,
)

DEFAULT_PERIOD = "30"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # count, rate, money or text
    value_only: bool = False

    def value(self, row: FunnelRow):
        if self.key == "minerals":
            return ", ".join(row.minerals)
        return getattr(row, self.key)

    def sort_key(self, row: FunnelRow):
        value = self.value(row)
        if self.kind == "text":
            return (0, value.lower())
        # Rows with no rate (nothing to divide by) sort below every rate.
        return (0, value) if value is not None else (-1, 0)


COLUMNS = (
    Column("title", "Article", "text"),
    Column("minerals", "Minerals", "text"),
    Column("views", "Views"),
    Column("form_starts", "Form starts"),
    Column("start_rate", "Starts per view", "rate"),
    Column("leads", "Leads"),
    Column("lead_rate", "Leads per view", "rate"),
    Column("qualified", "Qualified"),
    Column("qualified_rate", "Qualified per lead", "rate"),
    Column("won", "Won"),
    Column("won_rate", "Won per qualified", "rate"),
    Column("won_value", "Won value (USD)", "money", value_only=True),
)
TOTAL_COLUMNS = ("title", "views", "form_starts", "leads", "qualified", "won")


def visible_columns(user) -> list[Column]:
    """Won value only for users allowed to see leads."""
    sees_value = user.has_perm(VALUE_PERMISSION)
    return [column for column in COLUMNS if sees_value or not column.value_only]


def _next_order(column: Column, sorted_by: Column, descending: bool) -> str:
    """A click on the sorted column reverses it; numbers start from the highest."""
    if column.key == sorted_by.key:
        return column.key if descending else f"-{column.key}"
    return column.key if column.kind == "text" else f"-{column.key}"


def display(kind: str, value) -> str:
    if kind == "rate":
        return "–" if value is None else f"{value:.1%}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "count":
        return f"{value:,}"
    return value


def _cell(column: Column, row: FunnelRow) -> dict:
    value = column.value(row)
    return {"key": column.key, "kind": column.kind, "text": display(column.kind, value)}


# Any id would do: the edit URL of page {} is this with the id in its place.
EDIT_URL_ID = 918273645


def _edit_url_format() -> str:
    return reverse("wagtailadmin_pages:edit", args=[EDIT_URL_ID]).replace(
        str(EDIT_URL_ID), "{}"
    )


def _article_row(columns: list[Column], row: FunnelRow, edit_url: str) -> SafeString:
    """One article's `<tr>`, built here: a thousand rows of twelve cells take
    the template language a third of a second."""
    cells = []
    for column in columns:
        text = html.escape(display(column.kind, column.value(row)))
        if column.key == "title":
            text = f'<a href="{html.escape(edit_url.format(row.page_id))}">{text}</a>'
        cells.append(f'<td data-column="{column.key}">{text}</td>')
    # Safe: the column keys are ours and every other part is escaped above.
    return mark_safe(f'<tr data-page="{row.page_id}">{"".join(cells)}</tr>')  # noqa: S308


def article_performance(request):
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    minerals = Mineral.objects.order_by("name")
    mineral = request.GET.get("mineral", "")
    if mineral and not minerals.filter(slug=mineral).exists():
        mineral = ""
    columns = visible_columns(request.user)
    by_key = {column.key: column for column in columns}
    order = request.GET.get("order", "title")
    sort_column = by_key.get(order.removeprefix("-"))
    if sort_column is None:
        order, sort_column = "title", by_key["title"]
    descending = order.startswith("-")

    rows = article_funnel(days=PERIODS[period], mineral=mineral)
    rows.sort(key=sort_column.sort_key, reverse=descending)
    if request.GET.get("export") == "csv":
        return _csv_response(columns, rows, period)

    headers = [
        {
            "column": column,
            "sorted": column.key == sort_column.key,
            "descending": descending,
            "order": _next_order(column, sort_column, descending),
        }
        for column in columns
    ]
    edit_url = _edit_url_format()
    total_columns = [column for column in columns if column.key in TOTAL_COLUMNS]
    if "won_value" in by_key:
        total_columns.append(by_key["won_value"])
    context = {
        "page_title": "Article performance",
        "headers": headers,
        "rows": [_article_row(columns, row, edit_url) for row in rows],
        "total_columns": total_columns,
        "mineral_rows": [
            [_cell(column, row) for column in total_columns]
            for row in mineral_totals(rows)
        ],
        "campaign_columns": [
            column
            for column in total_columns
            if column.key not in ("views", "form_starts")
        ],
        "period": period,
        "periods": PERIOD_LABELS,
        "minerals": minerals,
        "mineral": mineral,
        "order": order,
    }
    context["campaign_rows"] = [
        [_cell(column, row) for column in context["campaign_columns"]]
        for row in campaign_totals(days=PERIODS[period])
    ]
    return TemplateResponse(request, "leads/admin/article_performance.html", context)


def _csv_response(columns: list[Column], rows: list[FunnelRow], period: str):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="article-performance-{period}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["URL", *(column.label for column in columns)])
    for row in rows:
        cells = []
        for column in columns:
            value = column.value(row)
            if column.kind == "rate":
                value = "" if value is None else f"{value:.4f}"
            elif column.kind == "money":
                value = f"{value:.2f}"
            cells.append(csv_safe(value))
        writer.writerow([csv_safe(row.url), *cells])
    return response
