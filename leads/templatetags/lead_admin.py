import copy
import datetime

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    date_hierarchy,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import (
    add_preserved_filters,
    admin_urlname,
)
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    quote,
)
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.html import conditional_escape, format_html

from leads.admin_list import CheapDates

register = template.Library()


def cheap_date_hierarchy(cl):
    """Django's date hierarchy, its links found by index probes (CheapDates)."""
    cheap = copy.copy(cl)
    paginator = getattr(cl, "paginator", None)
    exact = paginator is not None and not getattr(paginator, "estimated", False)
    cheap.queryset = CheapDates(cl.queryset, count=cl.result_count if exact else None)
    return date_hierarchy(cheap)


def fast_result_list(cl):
    """Django's result_list, its rows made by lead_rows."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(lead_rows(cl)),
    }


def _admin_inclusion_tag(name: str, func, template_name: str) -> None:
    """Register `func` as a tag rendering one of the admin's own templates
    (overridable per app and model, as Django's change list tags are)."""

    def tag(parser, token):
        return InclusionAdminNode(
            parser, token, func=func, template_name=template_name, takes_context=False
        )

    register.tag(name, tag)


_admin_inclusion_tag("lead_date_hierarchy", cheap_date_hierarchy, "date_hierarchy.html")
_admin_inclusion_tag("lead_result_list", fast_result_list, "change_list_results.html")


class _Unsupported(Exception):
    """A column lead_rows leaves to Django's own rows."""


class _Column:
    """What Django's items_for_result works out again for every cell, once per
    column: the field or admin method, the link, the classes."""

    def __init__(self, cl, index: int, name: str, link: bool, first: bool):
        model_admin = cl.model_admin
        self.name = name
        self.link = link
        self.tag = "th" if link and first else "td"
        self.empty = model_admin.get_empty_value_display()
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.field = self.attr = None
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if not callable(getattr(model_admin, name, None)):
                # A model attribute or an "<fk>_id" name: Django's rows.
                raise _Unsupported(name) from None
            self.attr = getattr(model_admin, name)
            self.empty = getattr(self.attr, "empty_value_display", self.empty)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]
            self.boolean = getattr(self.attr, "boolean", False)
        else:
            if self.field.auto_created:
                raise _Unsupported(name)
            if isinstance(
                self.field, (models.DateField, models.TimeField, models.ForeignKey)
            ):
                self.classes.append("nowrap")
            self.foreign = isinstance(self.field.remote_field, models.ManyToOneRel)
        self.row_class = _class_attribute(self.classes)

    def cell(self, result, url: str | None) -> str:
        row_class = self.row_class
        if self.field is None:
            value = self.attr(result)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            shown = display_for_value(value, self.empty, self.boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                row_class = _class_attribute([*self.classes, "nowrap"])
        elif self.foreign:
            related = getattr(result, self.field.name)
            shown = self.empty if related is None else related
        else:
            value = getattr(result, self.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            shown = display_for_field(
                value, self.field, self.empty, avoid_link=self.link
            )
        tag = self.tag
        if url is not None:
            return format_html(
                '<{}{}><a href="{}">{}</a></{}>', tag, row_class, url, shown, tag
            )
        return format_html("<{}{}>{}</{}>", tag, row_class, shown, tag)


def _class_attribute(classes: list[str]) -> str:
    return format_html(' class="{}"', " ".join(classes))


def lead_rows(cl):
    """Rows as Django's items_for_result makes them, for a change list with
    no list_editable, popup or to_field (the lead list): each column worked out
    once, and the change link reversed and given the list's filters once, its
    id put in per row. At 50 rows of 9 columns that was a third of the page."""
    if (
        getattr(cl, "formset", None)
        or cl.is_popup
        or cl.to_field
        or cl.list_display_links is None
    ):
        yield from results(cl)
        return
    columns, first = [], True
    try:
        for index, name in enumerate(cl.list_display):
            if not isinstance(name, str):
                raise _Unsupported(name)
            link = (first and not cl.list_display_links) or (
                name in cl.list_display_links
            )
            columns.append(_Column(cl, index, name, link, first))
            first = first and not link
    except _Unsupported:
        yield from results(cl)
        return
    marker = "0000000000"
    url = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": cl.opts},
        reverse(
            admin_urlname(cl.opts, "change"),
            args=(marker,),
            current_app=cl.model_admin.admin_site.name,
        ),
    )
    before, _, after = (conditional_escape(part) for part in url.partition(marker))
    for result in cl.result_list:
        link = format_html("{}{}{}", before, quote(result.pk), after)
        yield ResultList(
            None,
            [column.cell(result, link if column.link else None) for column in columns],
        )
