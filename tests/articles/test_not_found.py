"""The 404s readers hit: counted per day, capped, pruned, and reported in the admin."""

import csv
import io
import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.contrib.redirects.models import Redirect

from articles import jobs
from articles.not_found import NotFoundHit, not_found_record
from articles.periodic import registered_jobs
from tests.builders import make_article, make_home

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/reports/not-found/"
PASSWORD = "a long test password"  # noqa: S105


@pytest.fixture(autouse=True)
def site():
    return make_home()


def rows() -> list[tuple[str, str, int]]:
    return list(
        NotFoundHit.objects.order_by("path", "referrer_host").values_list(
            "path", "referrer_host", "hits"
        )
    )


def test_a_404_is_counted_by_path_and_referrer_host_without_query_string(client):
    referrer = "https://www.Google.com/search?q=copper"
    for query in ("?utm_source=x", "?q=secret", ""):
        response = client.get(f"/old-copper-report/{query}", HTTP_REFERER=referrer)
        assert response.status_code == 404
    client.get("/old-copper-report/")
    assert rows() == [
        ("/old-copper-report/", "", 1),
        ("/old-copper-report/", "www.google.com", 3),
    ]
    hit = NotFoundHit.objects.get(referrer_host="www.google.com")
    assert hit.day == timezone.localdate()


def test_pages_that_answer_and_other_methods_are_not_counted(client):
    article = make_article()
    assert client.get(article.url).status_code == 200
    client.post("/no-such-form/")
    assert rows() == []


def test_staff_and_admin_static_and_media_paths_are_not_counted(
    client, admin_user, settings
):
    for path in (
        "/admin/no-such-view/",
        "/django-admin/no-such-model/",
        f"{settings.STATIC_URL}missing.css",
        f"{settings.MEDIA_URL}missing.jpg",
    ):
        client.get(path)
    assert rows() == []
    client.force_login(admin_user)
    assert client.get("/typo/").status_code == 404
    assert rows() == []


def test_a_path_that_now_redirects_is_no_longer_counted(client):
    make_article(slug="copper")
    Redirect.objects.create(old_path="/old-copper", redirect_link="/insights/copper/")
    assert client.get("/old-copper/").status_code == 301
    assert rows() == []


def test_a_day_holds_at_most_the_configured_rows(client, settings):
    settings.NOT_FOUND_MAX_PATHS_PER_DAY = 3
    for number in range(6):
        client.get(f"/probe-{number}/")
    assert [path for path, _, _ in rows()] == ["/probe-0/", "/probe-1/", "/probe-2/"]
    # Paths already seen that day are still counted.
    client.get("/probe-1/")
    assert ("/probe-1/", "", 2) in rows()


def test_long_paths_and_hosts_are_cut_to_what_a_redirect_holds(client):
    client.get("/" + "a" * 400 + "/", HTTP_REFERER="https://" + "b" * 300 + ".com/")
    (path, host, hits), *_ = rows()
    assert len(path) == 255 and path.startswith("/aaa")
    assert len(host) <= 255
    assert hits == 1


def test_a_garbled_referrer_counts_without_a_host(client):
    client.get("/typo/", HTTP_REFERER="http://[::1")
    assert rows() == [("/typo/", "", 1)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_hits_of_one_path_make_one_row_and_lose_no_count():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    threads_count, each = 8, 5
    barrier = threading.Barrier(threads_count)
    errors = []

    def hit():
        try:
            barrier.wait()
            for _ in range(each):
                not_found_record(path="/race/", referrer="", when=timezone.now())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rows() == [("/race/", "", threads_count * each)]


def test_the_worker_prunes_days_older_than_the_setting(settings):
    settings.NOT_FOUND_DAYS = 30
    today = timezone.localdate()
    for age in (0, 30, 31, 400):
        NotFoundHit.objects.create(
            day=today - timedelta(days=age),
            path=f"/aged-{age}/",
            last_seen=timezone.now(),
        )
    assert "articles.prune_not_found" in [job.name for job in registered_jobs()]
    assert jobs.prune_not_found() == 2
    assert sorted(NotFoundHit.objects.values_list("path", flat=True)) == [
        "/aged-0/",
        "/aged-30/",
    ]


# The report


@pytest.fixture
def redirect_editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="add_redirect"),
    )
    return user


def report_rows(client, **params) -> list[list[str]]:
    response = client.get(REPORT_URL, params)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html5lib")
    return [
        [" ".join(cell.get_text().split()) for cell in row.find_all("td")]
        for row in soup.select("table.listing tbody tr")
    ]


def count(path: str, times: int, *, referrer: str = "", days_ago: int = 0):
    when = timezone.now() - timedelta(days=days_ago)
    for _ in range(times):
        not_found_record(path=path, referrer=referrer, when=when)


def test_the_report_needs_the_permission_to_add_redirects(
    client, django_user_model, redirect_editor
):
    viewer = django_user_model.objects.create_user("viewer", password=PASSWORD)
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    assert client.get(REPORT_URL).status_code in (302, 403)
    client.force_login(redirect_editor)
    assert client.get(REPORT_URL).status_code == 200


def test_the_report_lists_the_last_30_days_sorted_and_hides_redirected_paths(
    client, redirect_editor
):
    count("/b-often/", 5, referrer="https://news.example/a")
    count("/b-often/", 2, days_ago=10)
    count("/a-rare/", 1)
    count("/forgotten/", 9, days_ago=45)
    count("/fixed/", 7)
    Redirect.objects.create(old_path="/fixed", redirect_link="https://example.com/")
    client.force_login(redirect_editor)

    listed = report_rows(client)
    assert [row[:3] for row in listed] == [
        ["/b-often/", "news.example", "5"],
        ["/b-often/", "", "2"],
        ["/a-rare/", "", "1"],
    ]
    assert all(row[4].startswith("Create redirect") for row in listed)
    by_path = report_rows(client, ordering="path")
    assert [row[0] for row in by_path] == ["/a-rare/", "/b-often/", "/b-often/"]
    by_path_desc = report_rows(client, ordering="-path")
    assert [row[0] for row in by_path_desc][0] == "/b-often/"
    export = client.get(REPORT_URL, {"export": "csv"})
    text = b"".join(export.streaming_content).decode()
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["Path", "Referrer host", "Hits (last 30 days)", "Last seen"]
    assert lines[1][:3] == ["/b-often/", "news.example", "5"]


def test_the_reports_menu_shows_not_found_to_who_may_add_redirects(
    rf, django_user_model, redirect_editor
):
    (item,) = [
        item
        for item in (fn() for fn in hooks.get_hooks("register_reports_menu_item"))
        if item.name == "not-found"
    ]
    assert item.url == REPORT_URL
    request = rf.get("/admin/")
    request.user = redirect_editor
    assert item.is_shown(request)
    request.user = django_user_model.objects.create_user("viewer", password=PASSWORD)
    assert not item.is_shown(request)


def test_create_redirect_opens_the_form_prefilled_and_the_path_leaves_the_report(
    client, redirect_editor
):
    article = make_article(slug="copper")
    count("/old-copper/", 3)
    client.force_login(redirect_editor)
    soup = BeautifulSoup(client.get(REPORT_URL).content, "html5lib")
    (action,) = soup.select("table.listing tbody a.button")
    form_page = client.get(action["href"])
    assert form_page.status_code == 200
    form = BeautifulSoup(form_page.content, "html5lib").find(
        "form", attrs={"action": action["href"]}
    )
    assert form.find("input", attrs={"name": "old_path"})["value"] == "/old-copper/"

    response = client.post(
        action["href"],
        {
            "old_path": "/old-copper/",
            "is_permanent": "on",
            "redirect_page": article.pk,
            "redirect_link": "",
            "site": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == REPORT_URL
    redirect = Redirect.objects.get()
    assert (redirect.old_path, redirect.redirect_page_id) == ("/old-copper", article.pk)
    assert report_rows(client) == []
    client.logout()
    assert client.get("/old-copper/")["Location"] == article.url


def test_create_redirect_refuses_a_duplicate_with_a_message(client, redirect_editor):
    Redirect.objects.create(old_path="/x", redirect_link="https://example.com/")
    client.force_login(redirect_editor)
    url = reverse("articles_not_found_redirect") + "?old_path=/x/"
    response = client.post(url, {"old_path": "/x/", "redirect_link": "/y/"})
    assert response.status_code == 200
    assert Redirect.objects.count() == 1
    soup = BeautifulSoup(response.content, "html5lib")
    assert (
        "A redirect with this path already exists"
        in soup.select_one(".messages").get_text()
    )


def test_create_redirect_needs_the_permission(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password=PASSWORD)
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    url = reverse("articles_not_found_redirect") + "?old_path=/x/"
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"old_path": "/x/", "redirect_link": "/y/"})
    assert response.status_code in (302, 403)
    assert not Redirect.objects.exists()
