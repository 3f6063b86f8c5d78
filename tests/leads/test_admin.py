import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import GroupPagePermission

from leads.models import Lead, LeadNote, LeadStatusChange
from tests.builders import make_article, make_mineral
from tests.leads.builders import make_lead, make_site_pages, make_staff, parse

pytestmark = pytest.mark.django_db
LIST = "/django-admin/leads/lead/"


def change_url(lead) -> str:
    return f"{LIST}{lead.pk}/change/"


@pytest.fixture
def sales(django_user_model):
    return make_staff(django_user_model, "sana", "Sales")


@pytest.fixture
def lead():
    return make_lead(minerals=[make_mineral("Copper")])


def login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "list_status", "change_status", "delete_status"),
    [
        ("sales", 200, 200, 403),
        ("superuser", 200, 200, 200),
        ("Editors", 403, 403, 403),
        ("Moderators", 403, 403, 403),
        ("anonymous", 302, 302, 302),
    ],
)
def test_role_matrix_on_the_admin_urls(
    client, django_user_model, lead, role, list_status, change_status, delete_status
):
    if role == "superuser":
        client.force_login(
            django_user_model.objects.create_superuser("root", "r@x.io", "pw-123456")
        )
    elif role == "sales":
        client.force_login(make_staff(django_user_model, "sana", "Sales"))
    elif role != "anonymous":
        # Staff status on purpose: even then, the Wagtail groups see no leads.
        client.force_login(make_staff(django_user_model, "eddie", role))
    assert client.get(LIST).status_code == list_status
    assert client.get(change_url(lead)).status_code == change_status
    assert client.get(f"{LIST}{lead.pk}/delete/").status_code == delete_status
    assert client.get(f"{LIST}add/").status_code in (302, 403)


def test_sales_group_has_its_permissions_and_no_page_permissions():
    group = Group.objects.get(name="Sales")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_lead", "change_lead", "export_lead", "add_leadnote"} <= codenames
    assert "delete_lead" not in codenames
    assert not GroupPagePermission.objects.filter(group=group).exists()
    for wagtail_group in ("Editors", "Moderators"):
        assert (
            not Group.objects.get(name=wagtail_group)
            .permissions.filter(content_type__app_label="leads")
            .exists()
        )


def test_lead_pages_are_sent_with_no_store(client, sales, lead):
    login(client, sales)
    for url in (LIST, change_url(lead)):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_list_shows_the_columns_and_searches(client, sales):
    make_site_pages()
    article = make_article(title="Lithium in Gilgit")
    make_lead(
        name="Zara Khan",
        company="Karakoram Metals",
        source_page=article,
        source_title=article.title,
        source_url="http://localhost/insights/lithium/",
        minerals=[make_mineral("Lithium")],
    )
    make_lead(name="Omar Farooq", message="interested in antimony")
    login(client, sales)
    rows = parse(client.get(LIST, {"q": "karakoram"})).select("#result_list tbody tr")
    assert len(rows) == 1
    text = rows[0].get_text(" ", strip=True)
    for expected in ("Zara Khan", "Karakoram Metals", "Lithium", "New"):
        assert expected in text
    assert rows[0].find("a", string="Lithium in Gilgit")
    rows = parse(client.get(LIST, {"q": "antimony"})).select("#result_list tbody tr")
    assert [row.find("th").get_text() for row in rows] != []
    assert "Omar Farooq" in rows[0].get_text()


def test_list_makes_no_query_per_row(client, sales, django_user_model):
    copper, gold = make_mineral("Copper"), make_mineral("Gold")
    login(client, sales)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    make_lead(minerals=[copper], owner=sales)
    # The first view after a login restarts the session's period (one write).
    queries_for_list()
    few = queries_for_list()
    for number in range(20):
        make_lead(email=f"r{number}@example.com", minerals=[copper, gold], owner=sales)
    assert queries_for_list() == few


def test_filters_are_offered(client, sales):
    make_site_pages()
    make_lead(
        owner=sales,
        source_page=make_article(),
        country="Pakistan",
        minerals=[make_mineral("Copper")],
    )
    login(client, sales)
    page = parse(client.get(LIST))
    titles = [
        details["data-filter-title"]
        for details in page.select("#changelist-filter details[data-filter-title]")
    ]
    for expected in (
        "status",
        "owner",
        "minerals of interest",
        "investor type",
        "source page",
        "created at",
        "country",
    ):
        assert any(expected in title.lower() for title in titles), expected
    assert page.select_one("nav.toplinks") is not None


def test_submitted_fields_are_read_only_for_sales(client, sales, lead):
    login(client, sales)
    form = parse(client.get(change_url(lead))).find("form", id="lead_form")
    assert form.find(attrs={"name": "status"}) is not None
    for submitted in ("name", "email", "message", "consent", "utm_source"):
        assert form.find(attrs={"name": submitted}) is None


def test_status_change_and_note_are_recorded_with_who_and_when(client, sales, lead):
    login(client, sales)
    response = client.post(
        change_url(lead),
        {
            "status": "contacted",
            "owner": sales.pk,
            "next_action_date": "",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-MIN_NUM_FORMS": "0",
            "notes-MAX_NUM_FORMS": "1000",
            "notes-0-text": "Called, <b>wants</b> a site visit",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
            "status_changes-MIN_NUM_FORMS": "0",
            "status_changes-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content
    lead.refresh_from_db()
    assert (lead.status, lead.owner) == (Lead.Status.CONTACTED, sales)
    change = LeadStatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "new",
        "contacted",
        sales,
    )
    note = LeadNote.objects.get(lead=lead)
    assert (note.author, note.text) == (sales, "Called, <b>wants</b> a site visit")
    page = parse(client.get(change_url(lead)))
    assert page.find("b", string="wants") is None
    assert "Called, <b>wants</b> a site visit" in page.get_text()


def test_earlier_enquiries_and_source_article_are_linked(client, sales):
    make_site_pages()
    article = make_article(title="Reko Diq copper")
    first = make_lead(email="Amina@Example.com")
    second = make_lead(
        email="amina@example.com",
        source_page=article,
        source_title=article.title,
        source_url=article.full_url,
    )
    login(client, sales)
    page = parse(client.get(change_url(second)))
    assert page.find("a", href=change_url(first)) is not None
    assert page.find("a", string="Reko Diq copper")["href"] == article.full_url


def test_html_in_a_lead_is_escaped_in_the_admin(client, sales):
    lead = make_lead(name="<script>alert(1)</script>", message="<img src=x>")
    login(client, sales)
    for url in (LIST, change_url(lead)):
        page = parse(client.get(url))
        assert page.find("script", string="alert(1)") is None
        assert page.find("img", src="x") is None


def post_action(client, action: str, leads):
    return client.post(
        LIST, {"action": action, "_selected_action": [lead.pk for lead in leads]}
    )


def test_actions_assign_set_status_and_spam(client, sales, lead):
    login(client, sales)
    post_action(client, "assign_to_me", [lead])
    post_action(client, "set_qualified", [lead])
    lead.refresh_from_db()
    assert (lead.owner, lead.status) == (sales, Lead.Status.QUALIFIED)
    post_action(client, "mark_spam", [lead])
    post_action(client, "mark_not_spam", [lead])
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW
    history = list(lead.status_changes.values_list("to_status", flat=True))
    assert history == ["qualified", "spam", "new"]


def test_resend_action_queues_the_notification(
    client, sales, lead, django_capture_on_commit_callbacks
):
    Lead.objects.filter(pk=lead.pk).update(
        notification_state=Lead.NotificationState.FAILED
    )
    login(client, sales)
    with django_capture_on_commit_callbacks(execute=True):
        post_action(client, "resend_notification", [lead])
    lead.refresh_from_db()
    assert lead.notification_state == Lead.NotificationState.PENDING


def test_csv_export_neutralises_formulas(client, sales):
    make_lead(name='=HYPERLINK("http://evil")', company="+cmd", phone="-1+1")
    make_lead(name="@SUM(A1)", email="b@example.com", message='Plain, "quoted"')
    login(client, sales)
    response = post_action(client, "export_csv", Lead.objects.all())
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 2
    cells = [cell for row in rows for cell in row.values()]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    names = {row["name"] for row in rows}
    assert names == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}
    assert {row["message"] for row in rows} >= {'Plain, "quoted"'}


def test_export_needs_the_export_permission(client, django_user_model, lead):
    viewer = make_staff(django_user_model, "viewer")
    viewer.user_permissions.add(
        *Group.objects.get(name="Sales").permissions.exclude(codename="export_lead")
    )
    login(client, viewer)
    response = post_action(client, "export_csv", [lead])
    assert not response.get("Content-Type", "").startswith("text/csv")


def test_article_edit_view_shows_lead_counts_in_one_panel(client, django_user_model):
    make_site_pages()
    article = make_article()
    make_lead(source_page=article, status=Lead.Status.QUALIFIED)
    make_lead(source_page=article, email="x@example.com")
    make_lead(source_page=article, status=Lead.Status.SPAM, email="s@example.com")
    client.force_login(
        django_user_model.objects.create_superuser("root", "r@x.io", "pw-123456")
    )
    page = parse(client.get(f"/admin/pages/{article.pk}/edit/"))
    # One panel tells the article's leads: the funnel, per period, spam excluded.
    (table,) = page.select("table.article-funnel")
    steps = {
        row["data-step"]: [cell.get_text() for cell in row.find_all("td")]
        for row in table.select("tbody tr")
    }
    assert steps["leads"] == ["2", "2", "2", "2"]
    assert steps["qualified"] == ["1", "1", "1", "1"]
    headings = [heading.get_text(strip=True) for heading in page.select("h2")]
    assert any(text.startswith("Performance") for text in headings)
    assert not any("Leads from this article" in text for text in headings)
    assert "amina@example.com" not in page.get_text()
