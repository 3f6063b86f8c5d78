"""Deal value and the article funnel: editor panel, report, CSV and command."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from articles.page_stats import counts_add
from leads.admin import LeadAdmin
from leads.funnel import article_funnel, campaign_totals, page_funnel
from leads.models import Lead
from tests.builders import make_article, make_mineral
from tests.leads.builders import make_lead, make_site_pages, make_staff, parse

pytestmark = pytest.mark.django_db
REPORT = "/admin/reports/article-performance/"


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def article():
    make_site_pages()
    article = make_article(minerals=[make_mineral("Copper")])
    today = timezone.localdate()
    counts_add(
        [
            (article.pk, today, 400, 40),
            (article.pk, today - timedelta(days=20), 100, 10),
            (article.pk, today - timedelta(days=200), 500, 50),
        ]
    )
    make_lead(source_page=article, utm_source="linkedin", utm_campaign="copper")
    make_lead(
        source_page=article,
        status=Lead.Status.QUALIFIED,
        deal_value=Decimal("90000"),
        utm_source="linkedin",
        utm_campaign="copper",
    )
    make_lead(
        source_page=article,
        status=Lead.Status.WON,
        deal_value=Decimal("250000"),
        created_at=days_ago(3),
        utm_source="newsletter",
    )
    make_lead(source_page=article, status=Lead.Status.SPAM, deal_value=None)
    make_lead(
        source_page=article,
        status=Lead.Status.WON,
        deal_value=Decimal("1000.50"),
        created_at=days_ago(60),
    )
    return article


def admin_form(data: dict, lead: Lead):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.filter(username="sana").first()
    request.user = request.user or make_staff(get_user_model(), "sana", "Sales")
    form_class = LeadAdmin(Lead, admin.site).get_form(request, lead, change=True)
    fields = {"status": lead.status, "owner": "", "next_action_date": "", **data}
    return form_class(fields, instance=lead)


def test_deal_value_is_refused_on_a_lead_not_qualified_or_won():
    form = admin_form({"deal_value": "5000"}, make_lead())
    assert not form.is_valid()
    assert "qualified or won" in form.errors["deal_value"][0]


@pytest.mark.parametrize("status", [Lead.Status.QUALIFIED, Lead.Status.WON])
def test_deal_value_is_kept_on_a_qualified_or_won_lead(status):
    lead = make_lead()
    form = admin_form({"status": status, "deal_value": "250000.00"}, lead)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["deal_value"] == Decimal("250000.00")


def test_deal_value_is_optional_and_never_negative():
    lead = make_lead(status=Lead.Status.WON)
    assert admin_form({"status": "won", "deal_value": ""}, lead).is_valid()
    negative = admin_form({"status": "won", "deal_value": "-1"}, lead)
    assert "deal_value" in negative.errors
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.filter(pk=lead.pk).update(deal_value=Decimal("-1"))


def test_the_funnel_counts_each_step_over_a_period(article):
    other = make_article(slug="other", title="Another article")
    by_days = {
        days: {row.page_id: row for row in article_funnel(days=days)}
        for days in (7, 30, 90, None)
    }
    week, month, quarter, ever = (by_days[d][article.pk] for d in (7, 30, 90, None))
    assert (week.views, week.form_starts) == (400, 40)
    assert (month.views, month.form_starts) == (500, 50)
    assert (ever.views, ever.form_starts) == (1000, 100)
    assert (week.leads, week.qualified, week.won) == (3, 2, 1)
    assert week.won_value == Decimal("250000")  # qualified value is not "won"
    assert (quarter.leads, quarter.won, quarter.won_value) == (
        4,
        2,
        Decimal("251000.50"),
    )
    assert week.start_rate == pytest.approx(0.1)
    assert week.lead_rate == pytest.approx(3 / 400)
    assert week.qualified_rate == pytest.approx(2 / 3)
    assert week.won_rate == pytest.approx(1 / 2)
    empty = by_days[30][other.pk]
    assert (empty.views, empty.leads, empty.won_value) == (0, 0, 0)
    assert empty.start_rate is None
    assert ever.url == "http://localhost/insights/copper-in-balochistan/"
    assert ever.minerals == ["Copper"]
    panel = page_funnel(article.pk)["30"]
    for name in ("views", "form_starts", "leads", "qualified", "won", "won_value"):
        assert getattr(panel, name) == getattr(month, name)


def test_utm_totals_sum_leads_and_won_value_per_source_and_campaign(article):
    totals = {row.title: row for row in campaign_totals(days=30)}
    assert totals["linkedin / copper"].leads == 2
    assert totals["linkedin / copper"].won_value == 0
    assert totals["newsletter / (none)"].won_value == Decimal("250000")


def funnel_panel(client, user, article) -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    table = parse(response).select_one("table.article-funnel")
    return {
        row["data-step"]: [cell.get_text() for cell in row.find_all("td")]
        for row in table.select("tbody tr")
    }


def test_a_won_deal_shows_in_the_funnel_for_lead_viewers(
    client, django_user_model, article
):
    seller = make_staff(django_user_model, "sana", "Editors", "Sales")
    steps = funnel_panel(client, seller, article)
    # Columns: last 7, 30, 90 days, all time.
    assert steps["won_value"] == [
        "250,000.00",
        "250,000.00",
        "251,000.50",
        "251,000.50",
    ]
    assert steps["views"] == ["400", "500", "500", "1,000"]
    assert steps["won"] == ["1", "1", "2", "2"]


def test_an_editor_sees_views_starts_and_leads_but_no_won_value(
    client, django_user_model, article
):
    editor = make_staff(django_user_model, "erin", "Editors")
    steps = funnel_panel(client, editor, article)
    assert "won_value" not in steps
    assert steps["form_starts"] == ["40", "50", "50", "100"]
    assert steps["leads"] == ["3", "3", "4", "4"]
    assert "250,000" not in client.get(f"/admin/pages/{article.pk}/edit/").text


def report_rows(response) -> list[dict[str, str]]:
    table = parse(response).select_one("table.article-performance")
    return [
        {cell["data-column"]: cell.get_text() for cell in row.find_all("td")}
        for row in table.select("tbody tr")
    ]


@pytest.fixture
def articles(article):
    gold = make_mineral("Gold")
    busy = make_article(slug="busy", title="Gold in Chitral", minerals=[gold])
    counts_add([(busy.pk, timezone.localdate(), 900, 9)])
    quiet = make_article(slug="quiet", title="A quiet article")
    return {"copper": article, "gold": busy, "quiet": quiet}


def test_the_report_sorts_by_every_column(client, django_user_model, articles):
    client.force_login(make_staff(django_user_model, "sana", "Editors", "Sales"))
    page = parse(client.get(REPORT))
    keys = [th["data-column"] for th in page.select("table.article-performance th")]
    assert keys == [
        "title",
        "minerals",
        "views",
        "form_starts",
        "start_rate",
        "leads",
        "lead_rate",
        "qualified",
        "qualified_rate",
        "won",
        "won_rate",
        "won_value",
    ]
    for key in keys:
        for order in (key, f"-{key}"):
            response = client.get(REPORT, {"order": order, "period": "all"})
            assert response.status_code == 200
            assert len(report_rows(response)) == 3
    titles = [r["title"] for r in report_rows(client.get(REPORT, {"order": "-views"}))]
    assert titles == ["Gold in Chitral", "Copper in Balochistan", "A quiet article"]
    titles = [r["title"] for r in report_rows(client.get(REPORT, {"order": "title"}))]
    assert titles == ["A quiet article", "Copper in Balochistan", "Gold in Chitral"]
    by_value = report_rows(client.get(REPORT, {"order": "-won_value"}))
    assert by_value[0]["won_value"] == "250,000.00"
    # The heading of the sorted column reverses it.
    sorted_header = parse(client.get(REPORT, {"order": "-views"})).select_one(
        'th[data-column="views"]'
    )
    assert sorted_header["aria-sort"] == "descending"
    assert "order=views" in sorted_header.a["href"]


def test_the_report_filters_by_mineral_and_sums_per_mineral(
    client, django_user_model, articles
):
    client.force_login(make_staff(django_user_model, "sana", "Editors", "Sales"))
    rows = report_rows(client.get(REPORT, {"mineral": "gold", "period": "30"}))
    assert [row["title"] for row in rows] == ["Gold in Chitral"]
    page = parse(client.get(REPORT, {"period": "30"}))
    minerals = {
        row.find("td").get_text(): {
            cell["data-column"]: cell.get_text() for cell in row.find_all("td")
        }
        for row in page.select("table.mineral-performance tbody tr")
    }
    assert minerals["Copper"]["views"] == "500"
    assert minerals["Gold"]["views"] == "900"
    assert minerals["(no mineral)"]["views"] == "0"
    campaigns = [
        row.find("td").get_text()
        for row in page.select("table.campaign-performance tbody tr")
    ]
    assert campaigns[0] == "linkedin / copper"
    # A mineral that does not exist shows every article rather than an error.
    assert len(report_rows(client.get(REPORT, {"mineral": "nope"}))) == 3


def test_the_report_exports_csv_with_what_the_user_may_see(
    client, django_user_model, articles
):
    client.force_login(make_staff(django_user_model, "sana", "Editors", "Sales"))
    response = client.get(REPORT, {"export": "csv", "order": "-views", "period": "7"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["Article"] for row in rows][0] == "Gold in Chitral"
    copper = next(row for row in rows if row["Article"] == "Copper in Balochistan")
    assert copper["Views"] == "400"
    assert copper["Won value (USD)"] == "250000.00"
    assert copper["URL"] == "http://localhost/insights/copper-in-balochistan/"
    client.force_login(make_staff(django_user_model, "erin", "Editors"))
    header = client.get(REPORT, {"export": "csv"}).content.decode().splitlines()[0]
    assert "Won value (USD)" not in header
    assert "Views" in header


def test_the_report_hides_won_value_from_editors(client, django_user_model, articles):
    client.force_login(make_staff(django_user_model, "erin", "Editors"))
    page = parse(client.get(REPORT, {"order": "-won_value"}))
    assert page.select('[data-column="won_value"]') == []
    assert "250,000" not in page.get_text()


def test_each_report_row_links_its_article_editor_and_escapes_the_title(
    client, django_user_model, articles
):
    odd = make_article(slug="odd", title='Gold & <b>"silver"</b>')
    client.force_login(make_staff(django_user_model, "sana", "Editors", "Sales"))
    page = parse(client.get(REPORT, {"order": "title"}))
    rows = page.select("table.article-performance tbody tr")
    by_page = {int(row["data-page"]): row for row in rows}
    assert set(by_page) == {odd.pk, *(article.pk for article in articles.values())}
    title = by_page[odd.pk].select_one('td[data-column="title"]')
    assert title.get_text() == 'Gold & <b>"silver"</b>'
    assert title.find("b") is None
    for page_id, row in by_page.items():
        link = row.select_one('td[data-column="title"] a')
        assert link["href"] == f"/admin/pages/{page_id}/edit/"
    assert [len(row.find_all("td")) for row in rows] == [12] * 4


def test_the_report_needs_admin_access(client):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_report_costs_the_same_queries_for_more_articles(
    client, django_user_model, articles, django_assert_max_num_queries
):
    client.force_login(make_staff(django_user_model, "sana", "Editors", "Sales"))
    client.get(REPORT)  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(REPORT)
    for number in range(10):
        make_lead(source_page=make_article(slug=f"extra-{number}", title=f"X {number}"))
    with django_assert_max_num_queries(len(few)):
        client.get(REPORT)


def test_the_command_prints_json_with_one_object_per_article(articles):
    output = io.StringIO()
    call_command("article_performance", "--days", "7", "--json", stdout=output)
    objects = json.loads(output.getvalue())
    assert len(objects) == 3
    for entry in objects:
        assert list(entry) == [
            "title",
            "url",
            "views",
            "form_starts",
            "leads",
            "qualified",
            "won",
            "won_value",
        ]
    copper = next(o for o in objects if o["title"] == "Copper in Balochistan")
    assert copper == {
        "title": "Copper in Balochistan",
        "url": "http://localhost/insights/copper-in-balochistan/",
        "views": 400,
        "form_starts": 40,
        "leads": 3,
        "qualified": 2,
        "won": 1,
        "won_value": 250000.0,
    }


def test_the_command_prints_the_table_all_time_by_default(articles):
    output = io.StringIO()
    call_command("article_performance", stdout=output)
    lines = output.getvalue().splitlines()
    assert lines[0].split()[:2] == ["Article", "Minerals"]
    copper = next(line for line in lines if line.startswith("Copper in"))
    assert "1,000" in copper.split()
    assert "251,000.50" in copper.split()


@pytest.mark.parametrize("days", ["0", "-3", "week"])
def test_the_command_refuses_a_bad_number_of_days(days):
    with pytest.raises(CommandError, match="--days must be a whole number"):
        call_command("article_performance", "--days", days)
