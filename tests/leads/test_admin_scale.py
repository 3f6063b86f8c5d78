"""The lead list's fast paths (issue 9): indexes, filters, counts, date
hierarchy and the streamed CSV export answer as Django's defaults would."""

import csv
import io
from datetime import datetime

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.safestring import SafeString

from leads import admin_list
from leads.admin_list import CheapDates
from leads.models import Lead
from tests.builders import make_article, make_mineral
from tests.leads.builders import make_lead, make_staff, parse
from tests.leads.servers import requires_postgresql

pytestmark = pytest.mark.django_db
LIST = "/django-admin/leads/lead/"
SEARCHED = ("name", "email", "company", "message")


@pytest.fixture
def sales(client, django_user_model):
    user = make_staff(django_user_model, "sana", "Sales")
    client.force_login(user)
    return user


def names(response) -> set[str]:
    assert response.status_code == 200
    rows = parse(response).select("#result_list tbody tr")
    return {row.select_one("td.field-name, th.field-name").get_text() for row in rows}


def at(year: int, month: int, day: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 12))


@requires_postgresql
def test_migration_makes_trigram_indexes_the_admin_search_uses():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads_lead'"
        )
        indexes = dict(cursor.fetchall())
    for column in SEARCHED:
        definition = indexes[f"lead_{column}_trgm_idx"]
        assert "gin" in definition and "gin_trgm_ops" in definition
        assert f"upper(({column})::text)" in definition or (
            f"upper({column})" in definition
        )
    # The planner can answer the admin's own search SQL from them.
    request = RequestFactory().get(LIST, {"q": "karakoram"})
    model_admin = site._registry[Lead]
    queryset, _ = model_admin.get_search_results(
        request, Lead.objects.order_by(), "karakoram"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    for column in SEARCHED:
        assert f"lead_{column}_trgm_idx" in plan


def test_filters_and_search_find_the_right_leads(client, sales, django_user_model):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    other = make_staff(django_user_model, "omar", "Sales")
    make_lead(name="Zara", minerals=[copper, gold], owner=sales, country="UAE")
    make_lead(
        name="Omar",
        minerals=[gold],
        owner=other,
        status=Lead.Status.QUALIFIED,
        country="China",
    )
    make_lead(name="Hina", company="Karakoram Metals", country="")
    assert names(client.get(LIST)) == {"Zara", "Omar", "Hina"}
    assert names(client.get(LIST, {"status__exact": "qualified"})) == {"Omar"}
    assert names(client.get(LIST, {"minerals__id__exact": gold.pk})) == {
        "Zara",
        "Omar",
    }
    assert names(client.get(LIST, {"minerals__id__exact": copper.pk})) == {"Zara"}
    assert names(client.get(LIST, {"owner__id__exact": other.pk})) == {"Omar"}
    assert names(client.get(LIST, {"country": "UAE"})) == {"Zara"}
    assert names(client.get(LIST, {"q": "karakoram"})) == {"Hina"}
    assert names(client.get(LIST, {"q": "ZARA"})) == {"Zara"}


def test_country_filter_offers_each_given_country_once(client, sales):
    for country in ("UAE", "China", "UAE", ""):
        make_lead(country=country)
    page = parse(client.get(LIST))
    details = page.select_one('#changelist-filter details[data-filter-title="country"]')
    offered = [link.get_text(strip=True) for link in details.select("li a")]
    assert offered == ["All", "China", "UAE"]


def test_list_queries_stay_constant_with_more_leads(client, sales):
    copper = make_mineral("Copper")
    urls = [
        LIST,
        f"{LIST}?minerals__id__exact={copper.pk}",
        f"{LIST}?status__exact=new",
        f"{LIST}?q=example",
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    article = make_article(title="Reko Diq copper")
    from_article = {
        "source_page": article,
        "source_title": article.title,
        "source_url": article.full_url,
    }
    make_lead(minerals=[copper], owner=sales, **from_article)
    queries()  # Warm: the first view also fills Django's content type cache.
    few = queries()
    for number in range(30):
        make_lead(
            email=f"r{number}@example.com",
            minerals=[copper],
            owner=sales,
            **from_article,
        )
    assert queries() == few
    cells = parse(client.get(LIST)).select("#result_list td.field-source_article")
    assert len(cells) == 31
    assert {cell.a["href"] for cell in cells} == {article.full_url}


def test_counts_past_the_exact_limit_are_marked_as_estimates(
    client, sales, monkeypatch
):
    monkeypatch.setattr(admin_list, "EXACT_COUNT_LIMIT", 3)
    for number in range(5):
        make_lead(email=f"r{number}@example.com")
    text = parse(client.get(LIST)).select_one("p.paginator").get_text(" ", strip=True)
    if connection.vendor == "postgresql":
        count = int(text.split()[1])
        assert text.startswith("About") and count >= 4
    else:
        assert text == "5 leads"
    monkeypatch.setattr(admin_list, "EXACT_COUNT_LIMIT", 10)
    text = parse(client.get(LIST)).select_one("p.paginator").get_text(" ", strip=True)
    assert text == "5 leads"


@pytest.mark.parametrize("count", [None, 4], ids=["probing", "few rows"])
def test_date_hierarchy_links_match_djangos(count):
    for moment in (at(2024, 12, 31), at(2025, 3, 2), at(2025, 3, 9), at(2025, 7, 1)):
        make_lead(created_at=moment)
    leads = Lead.objects.all()
    for kind in ("year", "month", "day"):
        cheap = CheapDates(leads, count=count)
        assert cheap.datetimes("created_at", kind) == list(
            leads.datetimes("created_at", kind)
        )
    march = leads.filter(created_at__gte=at(2025, 3, 1), created_at__lt=at(2025, 4, 1))
    cheap = CheapDates(march, count=count)
    assert [moment.day for moment in cheap.datetimes("created_at", "day")] == [2, 9]


def test_date_hierarchy_probes_every_span_in_one_query():
    for day in (2, 9, 30):
        make_lead(created_at=at(2025, 3, day))
    march = Lead.objects.filter(
        created_at__gte=at(2025, 3, 1), created_at__lt=at(2025, 4, 1)
    )
    with CaptureQueriesContext(connection) as captured:
        days = CheapDates(march).datetimes("created_at", "day")
    assert [moment.day for moment in days] == [2, 9, 30]
    # The first and last dates, then all 30 days' EXISTS together.
    assert len(captured) == 2


def test_date_hierarchy_shows_years_then_months(client, sales):
    make_lead(created_at=at(2024, 12, 31))
    make_lead(created_at=at(2025, 3, 2))
    page = parse(client.get(LIST))
    years = [link.get_text() for link in page.select("nav.toplinks a:not(.date-back)")]
    assert years == ["2024", "2025"]
    page = parse(client.get(LIST, {"created_at__year": "2025"}))
    months = [link.get_text() for link in page.select("nav.toplinks a:not(.date-back)")]
    assert months[-1] == "March 2025"


def test_csv_export_streams_every_selected_lead_with_its_minerals(client, sales):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    make_lead(name="Zara", minerals=[gold, copper], owner=sales)
    make_lead(name="Omar", email="omar@example.com")
    make_lead(name="Hina", email="hina@example.com", minerals=[gold])
    response = client.post(
        LIST,
        {"action": "export_csv", "select_across": "1", "index": "0"}
        | {"_selected_action": [lead.pk for lead in Lead.objects.all()[:1]]},
    )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeffid,status,owner,name,")
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(content[1:]))}
    assert set(rows) == {"Zara", "Omar", "Hina"}
    assert rows["Zara"]["minerals"] == "Copper; Gold"
    assert rows["Zara"]["owner"] == "sana"
    assert rows["Omar"]["minerals"] == rows["Omar"]["owner"] == ""
    assert rows["Hina"]["minerals"] == "Gold"
    assert rows["Hina"]["email"] == "hina@example.com"


def test_csv_export_queries_per_chunk_not_per_lead(client, sales, monkeypatch):
    monkeypatch.setattr("leads.csv_export.CHUNK_ROWS", 10)
    copper = make_mineral("Copper")
    for number in range(25):
        make_lead(email=f"r{number}@example.com", minerals=[copper])
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            LIST,
            {"action": "export_csv", "select_across": "1", "index": "0"}
            | {"_selected_action": [Lead.objects.first().pk]},
        )
        rows = list(
            csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
        )
    assert len(rows) == 26
    minerals_queries = [
        query["sql"]
        for query in captured.captured_queries
        if "leads_lead_minerals" in query["sql"]
    ]
    if connection.vendor == "postgresql":
        # One COPY writes every row, minerals included.
        [copy] = minerals_queries
        assert copy.startswith("COPY (SELECT")
    else:
        # Three chunks of 10, 10 and 5 leads: one minerals query each.
        assert len(minerals_queries) == 3


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=new",
        "?q=Indus&o=-2.3",
        "?minerals__id__exact={mineral}&owner__id__exact={owner}",
        "?country=UAE&p=1",
    ],
)
def test_lead_rows_are_djangos_rows(sales, django_user_model, query):
    from django.contrib.admin.templatetags.admin_list import results

    from leads.templatetags.lead_admin import lead_rows

    copper = make_mineral("Copper")
    owner = make_staff(django_user_model, "omar", "Sales")
    article = make_article(title="Copper <and> gold")
    make_lead(
        name="<b>Bold</b> & co",
        company="   ",
        country="UAE",
        owner=owner,
        minerals=[copper],
        source_page=article,
        source_url="https://btobservices.pk/insights/copper/?a=1&b=2",
        source_title=article.title,
        created_at=at(2025, 3, 2),
    )
    make_lead(email="", company="Indus Capital", phone="", status=Lead.Status.WON)
    make_lead(name="Zara", country="UAE", minerals=[copper], owner=owner)
    url = LIST + query.format(mineral=copper.pk, owner=owner.pk)
    request = RequestFactory().get(url)
    request.user = sales
    changelist = site._registry[Lead].get_changelist_instance(request)
    changelist.formset = None  # as changelist_view leaves it without list_editable
    assert changelist.result_list
    ours = [list(row) for row in lead_rows(changelist)]
    djangos = [list(row) for row in results(changelist)]
    assert ours == djangos
    assert all(isinstance(cell, SafeString) for row in ours for cell in row)
    # A column it does not work out itself ("<fk>_id", a function) leaves the
    # rows to Django.
    for extra in ("owner_id", lambda lead: lead.pk):
        changelist.list_display = [*changelist.list_display, extra]
        ours = [list(row) for row in lead_rows(changelist)]
        assert ours == [list(row) for row in results(changelist)]


def test_lead_list_rows_link_each_lead_and_escape_its_name(client, sales):
    lead = make_lead(name="Amina <Q>")
    response = client.get(LIST)
    row = parse(response).select_one("#result_list tbody tr")
    link = row.select_one("th.field-created_at a")
    assert link["href"].startswith(f"/django-admin/leads/lead/{lead.pk}/change/")
    assert row.select_one("th.field-name, td.field-name").get_text() == "Amina <Q>"
    assert row.select_one("td.action-checkbox input")["value"] == str(lead.pk)
