"""One list of submitted lead fields: the form, admin, CSV and export follow it."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command

from leads.models import ATTRIBUTION_FIELDS, READER_FIELDS, SUBMITTED_FIELDS, Lead
from tests.builders import make_article, make_mineral
from tests.leads.builders import (
    form_data,
    form_fields,
    make_lead,
    make_site_pages,
    make_staff,
    parse,
)

pytestmark = pytest.mark.django_db
ENQUIRY = "/leads/enquiry/"


@pytest.fixture
def article():
    make_site_pages()
    return make_article(minerals=[make_mineral("Copper")])


def max_length(name: str) -> int:
    return Lead._meta.get_field(name).max_length


def test_form_asks_for_the_reader_fields_in_order_and_hides_the_attribution(
    client, article
):
    form = parse(client.get(article.url)).select_one("form.lead-form")
    visible = [
        control["name"]
        for control in form.find_all(["input", "select", "textarea"])
        if control.get("type") != "hidden"
    ]
    assert list(dict.fromkeys(visible)) == [*READER_FIELDS, "consent", "website"]
    assert set(ATTRIBUTION_FIELDS) <= set(form_fields(form))


def test_admin_shows_every_submitted_field_read_only(client, django_user_model):
    lead = make_lead(minerals=[make_mineral("Gold")])
    client.force_login(make_staff(django_user_model, "sana", "Sales"))
    page = parse(client.get(f"/django-admin/leads/lead/{lead.pk}/change/"))
    form = page.find("form", id="lead_form")
    for name in SUBMITTED_FIELDS:
        assert form.select_one(f".field-{name}") is not None, name
        assert form.find(attrs={"name": name}) is None, name


def test_csv_export_has_a_column_for_every_submitted_field(client, django_user_model):
    lead = make_lead(minerals=[make_mineral("Copper")], utm_term="copper")
    client.force_login(make_staff(django_user_model, "sana", "Sales"))
    response = client.post(
        "/django-admin/leads/lead/",
        {"action": "export_csv", "_selected_action": [lead.pk]},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["id", "status", "owner", *SUBMITTED_FIELDS]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["minerals"], row["utm_term"]) == ("Copper", "copper")


def test_data_export_has_every_submitted_field():
    make_lead(minerals=[make_mineral("Copper")], referrer="https://x.io/")
    out = StringIO()
    call_command("export_lead_data", "amina@example.com", stdout=out)
    [exported] = json.loads(out.getvalue())
    assert list(exported) == [
        *SUBMITTED_FIELDS,
        "status",
        "next_action_date",
        "notes",
        "contact",
    ]
    assert (exported["minerals"], exported["referrer"]) == (["Copper"], "https://x.io/")


def test_too_long_attribution_is_cut_to_the_models_max_length(client, article):
    response = client.post(
        ENQUIRY,
        form_data(utm_source="u" * 300, referrer="https://x.io/" + "r" * 600),
    )
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert lead.utm_source == "u" * max_length("utm_source")
    assert len(lead.referrer) == max_length("referrer")


def confirmation_fields(client, article, query: str) -> dict[str, str]:
    """A reader without JavaScript posts from `article.url + query`."""
    data = form_data(form_token="")
    for name in ATTRIBUTION_FIELDS:
        data.pop(name, None)
    response = client.post(
        ENQUIRY, data, HTTP_REFERER=f"http://testserver{article.url}{query}"
    )
    assert response.status_code == 200
    return form_fields(parse(response).select_one("form.lead-form"))


def test_too_long_utm_in_the_page_address_is_cut_in_the_form(client, article):
    fields = confirmation_fields(client, article, "?utm_campaign=" + "c" * 300)
    assert fields["utm_campaign"] == "c" * max_length("utm_campaign")


def test_null_character_in_attribution_is_dropped_not_refused(client, article):
    response = client.post(ENQUIRY, form_data(utm_source="news\x00letter"))
    assert response.status_code == 303
    assert Lead.objects.get().utm_source == "newsletter"


def test_referrer_is_never_taken_from_a_query_or_from_this_site(client, article):
    fields = confirmation_fields(
        client, article, "?referrer=https://forged.example/&utm_source=newsletter"
    )
    assert (fields["referrer"], fields["utm_source"]) == ("", "newsletter")


@pytest.mark.parametrize("name", ["investor_type", "investment_range"])
def test_each_form_may_replace_its_choices_without_touching_another(name):
    from django import forms

    from leads.forms import LeadForm

    model_field = Lead._meta.get_field(name)
    django_field = forms.models.fields_for_model(Lead, fields=[name])[name]
    first, second = LeadForm(), LeadForm()
    first.fields[name].choices = [("", "Nothing to choose")]
    assert second.fields[name].choices == LeadForm.base_fields[name].choices
    assert second.fields[name].choices == [
        ("", "Choose one (optional)"),
        *model_field.choices,
    ]
    assert [value for value, _ in second.fields[name].widget.choices][1:] == [
        value for value, _ in django_field.choices
    ][1:]
    assert (second.fields[name].label, second.fields[name].required) == (
        django_field.label,
        django_field.required,
    )


def _same_as(made, expected) -> None:
    """`made` is a copy like `expected`: same class, same attributes, its
    own widget (compared the same way) and a queryset of its own, if any."""
    assert type(made) is type(expected)
    assert vars(made).keys() == vars(expected).keys()
    for key, value in vars(expected).items():
        if key == "widget":
            _same_as(made.widget, value)
        elif key == "_queryset":  # cloned for each form
            assert type(vars(made)[key]) is type(value)
        else:
            assert vars(made)[key] == value, key


def test_each_form_gets_its_own_copy_of_every_field_as_django_makes_it():
    from django.core.validators import MinLengthValidator

    from leads.forms import LeadForm

    first, second = LeadForm(), LeadForm()
    for name, field in LeadForm.base_fields.items():
        made = first.fields[name]
        _same_as(made, type(field).__deepcopy__(field, {}))
        made.widget.attrs["data-changed"] = "yes"
        made.error_messages["required"] = "Changed."
        made.validators.append(MinLengthValidator(2))
        if isinstance(getattr(made.widget, "choices", None), list):
            made.widget.choices.append(("changed", "Changed"))
        else:
            made.widget.choices = [("changed", "Changed")]
        for other in (second.fields[name], field):
            assert other is not made and other.widget is not made.widget
            assert "data-changed" not in other.widget.attrs
            assert other.error_messages["required"] != "Changed."
            assert len(other.validators) == len(field.validators)
            assert ("changed", "Changed") not in list(
                getattr(other.widget, "choices", [])
            )
