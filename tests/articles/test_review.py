"""The review cycle: review-by dates, the report, "Mark reviewed", dates readers see."""

import csv
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.models import GroupPagePermission, Page, PageLogEntry

from articles.extensions import REVIEW_REASONS
from articles.models import ArticlePage
from articles.review import (
    MARK_REVIEWED_ACTION,
    article_mark_reviewed,
    articles_due_for_review,
)
from tests.builders import make_article, make_home, paragraph

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/reports/due-for-review/"


def ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def soup_of(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status
    return BeautifulSoup(response.content, "html5lib")


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser(
        "chief", "chief@example.com", "pw", first_name="Ayesha", last_name="Khan"
    )


def staff_user(django_user_model, username: str, *codenames: str):
    """A Wagtail editor with these page permissions over the whole tree."""
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    root = Page.get_first_root_node()
    for codename in codenames:
        GroupPagePermission.objects.create(
            group=group, page=root, permission=Permission.objects.get(codename=codename)
        )
    user = django_user_model.objects.create_user(username, f"{username}@example.com")
    user.groups.add(group)
    return user


# Review-by dates


def test_an_article_is_due_review_days_after_publication(settings):
    settings.ARTICLE_REVIEW_DAYS = 180
    page = make_article(date_published=date(2026, 1, 15))
    assert page.review_due == date(2026, 7, 14)
    settings.ARTICLE_REVIEW_DAYS = 30
    assert page.review_due == date(2026, 2, 14)


def test_a_review_restarts_the_schedule_and_an_editor_date_overrides_it(settings):
    settings.ARTICLE_REVIEW_DAYS = 180
    page = make_article(date_published=date(2025, 1, 1), last_reviewed=date(2026, 2, 1))
    assert page.review_due == date(2026, 7, 31)
    page.review_by = date(2026, 3, 1)
    assert page.review_due == date(2026, 3, 1)


def test_due_articles_are_the_overdue_and_soon_due_live_ones(settings):
    settings.ARTICLE_REVIEW_DAYS = 180
    overdue = make_article(title="Overdue", date_published=ago(200))
    soon = make_article(title="Soon", date_published=ago(175))
    make_article(title="Fresh", date_published=ago(10))
    make_article(title="Reviewed", date_published=ago(400), last_reviewed=ago(5))
    make_article(title="Draft", date_published=ago(400), publish=False)
    due = articles_due_for_review(within_days=14)
    assert [item.page.pk for item in due] == [overdue.pk, soon.pk]
    assert due[0].days_overdue == 20
    assert due[0].reasons == ["180 days after publication"]
    assert due[1].days_overdue == -5
    assert due[1].status == "due in 5 days"


def test_other_apps_add_articles_and_reasons_through_the_hook():
    figure_page = make_article(title="Uses an old figure", date_published=ago(10))
    make_article(title="Fresh", date_published=ago(10))

    def old_figures():
        return [(figure_page, "Figure 'Copper price' is from 1 March 2025")]

    with hooks.register_temporarily(REVIEW_REASONS, old_figures):
        due = articles_due_for_review()
    assert [item.title for item in due] == ["Uses an old figure"]
    assert due[0].reasons == ["Figure 'Copper price' is from 1 March 2025"]
    assert due[0].days_overdue == 0


def test_a_hook_reason_with_a_due_date_far_ahead_is_not_listed_yet():
    page = make_article(date_published=ago(10))

    def later():
        return [(Page.objects.get(pk=page.pk), "Figure ages in May", ago(-100))]

    with hooks.register_temporarily(REVIEW_REASONS, later):
        assert articles_due_for_review() == []


# The report


def report_rows(soup) -> list[dict[str, str]]:
    table = soup.find("table", class_="listing")
    headings = [th.get_text(" ", strip=True) for th in table.thead.find_all("th")]
    return [
        dict(
            zip(
                headings,
                [td.get_text(" ", strip=True) for td in row.find_all("td")],
                strict=True,
            )
        )
        for row in table.tbody.find_all("tr")
    ]


def test_the_report_lists_due_articles_with_owner_dates_and_reason(client, admin):
    overdue = make_article(
        title="Overdue", date_published=ago(300), last_reviewed=ago(200), owner=admin
    )
    make_article(title="Soon", date_published=ago(175))
    make_article(title="Fresh", date_published=ago(1))
    client.force_login(admin)
    soup = soup_of(client.get(REPORT_URL))
    assert soup.h1 is None or "Due for review" in soup.title.get_text()
    rows = report_rows(soup)
    assert [row["Title"] for row in rows] == ["Overdue", "Soon"]
    first = rows[0]
    assert first["Owner"] == "Ayesha Khan"
    assert first["Last reviewed"] == f"{ago(200):%-d %B %Y}"
    assert first["Review by"] == f"{ago(20):%-d %B %Y}"
    assert first["Days overdue"] == "20"
    assert first["Reason"] == "180 days after the last review"
    assert rows[1]["Days overdue"] == "due in 5 days"
    link = soup.find("a", string=lambda text: text and text.strip() == "Overdue")
    assert link["href"] == reverse("wagtailadmin_pages:edit", args=[overdue.pk])


def test_the_report_sorts_by_any_column(client, admin):
    make_article(title="Beta", date_published=ago(300))
    make_article(title="Alpha", date_published=ago(190))
    client.force_login(admin)
    by_title = report_rows(soup_of(client.get(REPORT_URL, {"ordering": "title"})))
    assert [row["Title"] for row in by_title] == ["Alpha", "Beta"]
    by_due = report_rows(soup_of(client.get(REPORT_URL, {"ordering": "review_by"})))
    assert [row["Title"] for row in by_due] == ["Beta", "Alpha"]
    nonsense = report_rows(soup_of(client.get(REPORT_URL, {"ordering": "nonsense"})))
    assert [row["Title"] for row in nonsense] == ["Beta", "Alpha"]


def test_the_report_exports_csv(client, admin):
    make_article(title="Overdue", date_published=ago(200), owner=admin)
    client.force_login(admin)
    response = client.get(REPORT_URL, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows == [
        {
            "Title": "Overdue",
            "Owner": "Ayesha Khan",
            "Last reviewed": "",
            "Review by": ago(20).isoformat(),
            "Days overdue": "20",
            "Reason": "180 days after publication",
        }
    ]


def test_the_report_exports_xlsx(client, admin):
    make_article(title="Overdue", date_published=ago(200), owner=admin)
    client.force_login(admin)
    response = client.get(REPORT_URL, {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Title",
        "Owner",
        "Last reviewed",
        "Review by",
        "Days overdue",
        "Reason",
    ]
    assert rows[1][0] == "Overdue"
    assert rows[1][3] == ago(20)
    assert rows[1][4] == 20


def test_the_report_is_in_the_reports_menu(client, admin):
    client.force_login(admin)
    soup = soup_of(client.get("/admin/"))
    menu = json.loads(soup.find(id="wagtail-sidebar-props").string)
    assert REPORT_URL in json.dumps(menu)


def test_the_report_needs_a_page_permission(client, django_user_model):
    make_article(date_published=ago(200))
    nobody = staff_user(django_user_model, "reader")
    client.force_login(nobody)
    response = client.get(REPORT_URL)
    assert response.status_code == 302  # Wagtail's "no permission" redirect
    assert response["Location"] == "/admin/"


# Mark reviewed


def mark_url(page) -> str:
    return reverse("articles_mark_reviewed", args=[page.pk])


def byline_reviewed(client, page) -> str | None:
    soup = soup_of(client.get(page.url))
    byline = soup.find(class_="article__byline")
    times = byline.find_all("time")
    text = byline.get_text(" ", strip=True)
    if "Reviewed" not in text:
        return None
    return times[-1]["datetime"]


def test_marking_reviewed_updates_the_live_page_and_keeps_the_draft(
    client, admin, django_capture_on_commit_callbacks
):
    page = make_article(title="Copper", date_published=ago(300), owner=admin)
    assert byline_reviewed(client, page) is None  # and now in the page cache
    draft = ArticlePage.objects.get(pk=page.pk)
    draft.title = "Copper, rewritten"
    draft.review_by = ago(-3)
    draft.save_revision(user=admin)
    client.force_login(admin)

    confirm = soup_of(client.get(mark_url(page)))
    assert confirm.find("form", action=mark_url(page)) is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(mark_url(page))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])

    live = ArticlePage.objects.get(pk=page.pk)
    assert live.last_reviewed == timezone.localdate()
    assert live.last_reviewed_by == admin
    assert live.title == "Copper"  # the draft was not published
    assert live.has_unpublished_changes
    latest = live.get_latest_revision_as_object()
    assert latest.title == "Copper, rewritten"
    assert latest.last_reviewed == timezone.localdate()
    assert latest.review_by is None
    entry = PageLogEntry.objects.get(action=MARK_REVIEWED_ACTION)
    assert (entry.page_id, entry.user) == (page.pk, admin)

    client.logout()
    assert byline_reviewed(client, page) == timezone.localdate().isoformat()


def test_publishing_the_draft_later_keeps_the_review(admin):
    page = make_article(date_published=ago(300))
    page.title = "Edited"
    page.save_revision(user=admin)
    article_mark_reviewed(page=page, user=admin)
    ArticlePage.objects.get(pk=page.pk).get_latest_revision().publish()
    published = ArticlePage.objects.get(pk=page.pk)
    assert published.title == "Edited"
    assert published.last_reviewed == timezone.localdate()
    assert published.last_reviewed_by == admin


def test_the_live_revision_is_patched_too(admin):
    page = make_article(date_published=ago(300))
    live_revision = page.live_revision
    page.title = "Edited"
    page.save_revision(user=admin)
    article_mark_reviewed(page=page, user=admin)
    live_revision.refresh_from_db()
    assert live_revision.as_object().last_reviewed == timezone.localdate()


def test_the_editor_offers_mark_reviewed_on_live_articles_only(client, admin):
    live = make_article(title="Live")
    draft = make_article(title="Draft only", publish=False)
    client.force_login(admin)
    edit = soup_of(client.get(reverse("wagtailadmin_pages:edit", args=[live.pk])))
    assert edit.find("a", href=mark_url(live)) is not None
    # The date cannot be typed over: only "Mark reviewed" sets it.
    assert edit.find(attrs={"name": "last_reviewed"}) is None
    assert edit.find("input", attrs={"name": "review_by"}) is not None
    edit = soup_of(client.get(reverse("wagtailadmin_pages:edit", args=[draft.pk])))
    assert edit.find("a", href=mark_url(draft)) is None


def test_marking_a_draft_only_article_is_refused_with_a_reason(client, admin):
    page = make_article(publish=False)
    client.force_login(admin)
    soup = soup_of(client.post(mark_url(page)), status=409)
    assert "Only a live article" in soup.find(id="mark-reviewed-problem").get_text()
    assert ArticlePage.objects.get(pk=page.pk).last_reviewed is None


def test_marking_reviewed_needs_publish_permission(client, django_user_model):
    page = make_article(date_published=ago(300))
    editor = staff_user(django_user_model, "writer", "add_page", "change_page")
    client.force_login(editor)
    refused = client.post(mark_url(page))  # Wagtail's "no permission" redirect
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert ArticlePage.objects.get(pk=page.pk).last_reviewed is None
    edit = soup_of(client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])))
    assert edit.find("a", href=mark_url(page)) is None
    publisher = staff_user(
        django_user_model, "moderator", "add_page", "change_page", "publish_page"
    )
    client.force_login(publisher)
    assert client.post(mark_url(page)).status_code == 302
    assert ArticlePage.objects.get(pk=page.pk).last_reviewed_by == publisher


def test_only_articles_can_be_marked_reviewed(client, admin):
    client.force_login(admin)
    home = make_home()
    assert client.post(mark_url(home)).status_code == 404


# What readers see


def json_ld_article(client, page) -> dict:
    soup = soup_of(client.get(page.url))
    data = json.loads(soup.find("script", type="application/ld+json").string)
    return next(node for node in data["@graph"] if node["@type"] == "Article")


def test_date_modified_is_the_later_of_publication_and_review(
    client, admin, django_capture_on_commit_callbacks
):
    page = make_article(date_published=ago(300), last_reviewed=ago(30))
    published = ArticlePage.objects.get(pk=page.pk).last_published_at
    assert json_ld_article(client, page)["dateModified"] == published.isoformat()
    ArticlePage.objects.filter(pk=page.pk).update(
        last_published_at=timezone.now() - timedelta(days=40)
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_mark_reviewed(page=page, user=admin)
    modified = json_ld_article(client, page)["dateModified"]
    assert modified == timezone.localdate().isoformat()


def stale_notice(client, page):
    return soup_of(client.get(page.url)).find(class_="stale-notice")


def test_an_article_unreviewed_past_the_stale_age_warns_readers(client, settings):
    settings.ARTICLE_STALE_DAYS = 365
    old = make_article(title="Old", date_published=ago(400))
    notice = stale_notice(client, old)
    assert notice.name == "aside"
    heading = notice.find(id=notice["aria-labelledby"])
    assert heading.get_text(strip=True) == "Figures may be out of date."
    assert notice.find("time")["datetime"] == ago(400).isoformat()
    assert "last published on" in notice.get_text(" ", strip=True)


def test_a_recent_review_or_publication_shows_no_warning(client, settings):
    settings.ARTICLE_STALE_DAYS = 365
    reviewed = make_article(title="Reviewed", date_published=ago(400))
    ArticlePage.objects.filter(pk=reviewed.pk).update(last_reviewed=ago(10))
    recent = make_article(title="Recent", date_published=ago(100))
    assert stale_notice(client, reviewed) is None
    assert stale_notice(client, recent) is None
    settings.ARTICLE_STALE_DAYS = 30
    recent = make_article(
        title="Recent again", date_published=ago(100), body=[paragraph("x")]
    )
    assert stale_notice(client, recent) is not None
