"""Cookie-free page statistics (articles.page_stats): the beacon and its counters."""

import os
import shutil
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import jobs, page_stats, periodic
from articles.models import PageDailyCount
from tests.builders import make_article
from tests.leads.servers import ROOT, database_url, gunicorn, requires_postgresql
from tests.leads.smtp import free_port
from tests.processes import started

READER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def counts(page) -> tuple[int, int]:
    row = PageDailyCount.objects.filter(page=page, day=timezone.localdate()).first()
    return (row.views, row.form_starts) if row else (0, 0)


def hit(client, page, kind: str = "view", **headers):
    headers.setdefault("HTTP_USER_AGENT", READER)
    if kind == "pixel":
        return client.get(f"/stats/{page.pk}/view.gif", **headers)
    return client.post(f"/stats/{page.pk}/{kind}", **headers)


@pytest.mark.django_db
def test_every_public_page_carries_one_beacon_naming_only_the_page(client):
    article = make_article()
    html = BeautifulSoup(client.get(article.url).content, "html5lib")
    scripts = html.find_all("script")
    beacon = [script for script in scripts if script.get("data-stats")]
    assert len(beacon) == 1
    assert beacon[0]["data-stats"] == f"/stats/{article.pk}/"
    assert beacon[0]["src"].endswith("/js/stats.js")
    assert beacon[0].has_attr("defer")
    code = [script for script in scripts if script.get("type") != "application/ld+json"]
    assert all(script.get("src") for script in code)  # no inline script
    noscript = html.find_all("noscript")
    assert len(noscript) == 1
    pixel = BeautifulSoup(noscript[0].decode_contents(), "html5lib").find("img")
    assert pixel["src"] == f"/stats/{article.pk}/view.gif"
    assert pixel["alt"] == ""


@pytest.mark.django_db
def test_a_view_is_one_increment_of_the_page_counter_for_today(client):
    article = make_article()
    pixel = hit(client, article, "pixel")
    assert pixel.status_code == 200
    assert pixel["Content-Type"] == "image/gif"
    assert pixel.content.startswith(b"GIF89a")
    script = hit(client, article)
    assert script.status_code == 204
    for response in (pixel, script):
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
        assert "Vary" not in response
    assert counts(article) == (2, 0)
    assert PageDailyCount.objects.count() == 1


@pytest.mark.django_db
def test_a_form_start_counts_in_its_own_column(client):
    article = make_article()
    hit(client, article, "start")
    assert counts(article) == (0, 1)


@pytest.mark.django_db
def test_the_counter_stores_nothing_about_the_reader():
    names = {field.name for field in PageDailyCount._meta.get_fields()}
    assert names == {"id", "page", "day", "views", "form_starts"}


@pytest.mark.django_db
def test_a_counted_view_is_one_upsert_and_touches_nothing_else(client):
    article = make_article()
    with CaptureQueriesContext(connection) as queries:
        response = hit(client, article)
    assert response.status_code == 204
    assert "Content-Security-Policy" not in response  # answered before the stack
    statements = [query["sql"] for query in queries.captured_queries]
    writes = [sql for sql in statements if "INSERT INTO" in sql]
    assert len(writes) == 1
    assert "ON CONFLICT" in writes[0]
    # Besides it only transaction control (PostgreSQL: no WAL flush wait).
    others = [sql for sql in statements if "INSERT INTO" not in sql]
    assert all(sql.startswith(("SAVEPOINT", "RELEASE", "SET LOCAL")) for sql in others)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"HTTP_USER_AGENT": "Mozilla/5.0 (X11) HeadlessChrome/131.0.0.0"},
        {"HTTP_USER_AGENT": ""},
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_DNT": "1"},
        {"HTTP_SEC_GPC": "1"},
        {"HTTP_COOKIE": "sessionid=abc123"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
    ids=[
        "bot",
        "headless",
        "no-agent",
        "sec-purpose",
        "prerender",
        "purpose",
        "x-moz",
        "dnt",
        "gpc",
        "staff-session",
        "other-site",
    ],
)
def test_bots_prefetches_staff_and_opted_out_readers_are_not_counted(client, headers):
    article = make_article()
    for kind in ("pixel", "view", "start"):
        response = hit(client, article, kind, **headers)
        assert response.status_code in (200, 204)
        assert response["Cache-Control"] == "no-store"
    assert counts(article) == (0, 0)


@pytest.mark.django_db
def test_the_site_own_cookies_other_than_the_session_still_count(client):
    article = make_article()
    hit(client, article, HTTP_COOKIE="csrftoken=abc", HTTP_SEC_FETCH_SITE="same-origin")
    assert counts(article) == (1, 0)


@pytest.mark.django_db
def test_unknown_and_draft_pages_get_no_row(client):
    draft = make_article(publish=False, slug="draft", title="Draft")
    for page_id in (draft.pk, 987654):
        response = client.post(f"/stats/{page_id}/view", HTTP_USER_AGENT=READER)
        assert response.status_code == 204
    assert not PageDailyCount.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/stats/1/view", 405),
        ("post", "/stats/1/view.gif", 405),
        ("get", "/stats/1/start", 405),
        ("post", "/stats/abc/view", 404),
        ("post", "/stats/1/click", 404),
        ("get", "/stats/", 404),
    ],
)
def test_other_requests_get_a_clear_4xx(client, method, path, status):
    response = getattr(client, method)(path, HTTP_USER_AGENT=READER)
    assert response.status_code == status
    assert not PageDailyCount.objects.exists()


@pytest.mark.django_db
def test_a_head_request_is_not_a_view(client):
    article = make_article()
    assert client.head(f"/stats/{article.pk}/view.gif").status_code == 200
    assert counts(article) == (0, 0)


@pytest.mark.django_db
def test_counts_are_kept_per_day(client):
    article = make_article()
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    page_stats.counts_add([(article.pk, yesterday, 5, 1)])
    hit(client, article)
    assert page_stats.page_counts(since=timezone.localdate()) == {
        article.pk: {"views": 1, "form_starts": 0}
    }
    assert page_stats.page_counts() == {article.pk: {"views": 6, "form_starts": 1}}


# Redis


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing")
        pytest.skip("redis-server is not installed")
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp_path)]
    with started(command, log=tmp_path / "redis.log"):
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 15
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url


@pytest.mark.django_db
def test_with_redis_a_view_waits_in_redis_until_the_flush(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    article = make_article()
    hit(client, article)
    hit(client, article, "pixel")
    hit(client, article, "start")
    assert counts(article) == (0, 0)
    assert jobs.flush_page_stats() == 1
    assert counts(article) == (2, 1)
    assert jobs.flush_page_stats() == 0  # flushed counts are not added twice
    hit(client, article)
    jobs.flush_page_stats()
    assert counts(article) == (3, 1)


@pytest.mark.django_db
def test_a_flush_that_failed_is_added_by_the_next(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    article = make_article()
    hit(client, article)
    client_ = page_stats.redis_client()
    day = timezone.localdate().isoformat()
    # What a flush that died after renaming leaves behind.
    client_.rename(
        f"{page_stats.REDIS_KEY}{day}", f"{page_stats.REDIS_FLUSHING_KEY}{day}:x"
    )
    hit(client, article)
    jobs.flush_page_stats()
    assert counts(article) == (2, 0)


@pytest.mark.django_db(transaction=True)
def test_the_worker_flushes_redis_within_the_interval(client, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.PAGE_STATS_FLUSH_SECONDS = 1
    article = make_article()
    periodic.run_due_jobs()  # the worker's first poll: nothing counted yet
    hit(client, article)
    counted_at = time.monotonic()
    while counts(article) == (0, 0) and time.monotonic() - counted_at < 30:
        periodic.run_due_jobs()  # what db_worker does at every poll
        time.sleep(0.2)
    assert counts(article) == (1, 0)
    assert time.monotonic() - counted_at < 30


# Several processes on PostgreSQL: the production path through gunicorn.


def post_many(base: str, page_id: int, *, threads: int, each: int) -> list:
    """POST the view beacon from many threads; what each request answered."""

    def post(_: int):
        request = urllib.request.Request(  # noqa: S310 - a local gunicorn
            f"{base}/stats/{page_id}/view",
            method="POST",
            headers={"User-Agent": READER},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
                return response.status
        except OSError as error:
            return repr(error)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(post, range(threads * each)))


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_views_are_counted_exactly_on_postgresql():
    article = make_article()
    with gunicorn(workers=2, boot_seconds=120) as base:
        answers = post_many(base, article.pk, threads=12, each=25)
    assert answers == [204] * 300
    assert counts(article) == (300, 0)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_views_through_redis_reach_the_database_exactly(redis_url, tmp_path):
    article = make_article()
    env = {"REDIS_URL": redis_url, "PAGE_STATS_FLUSH_SECONDS": "1"}
    with gunicorn(workers=2, boot_seconds=120, **env) as base:
        answers = post_many(base, article.pk, threads=12, each=25)
    assert answers == [204] * 300
    assert counts(article) == (0, 0)
    worker = [sys.executable, "manage.py", "db_worker", "--no-startup-delay"]
    worker_env = {
        **os.environ,
        **env,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
    }
    with started(worker, log=tmp_path / "worker.log", cwd=ROOT, env=worker_env):
        deadline = time.monotonic() + 60
        while counts(article) != (300, 0) and time.monotonic() < deadline:
            time.sleep(0.5)
    assert counts(article) == (300, 0), (tmp_path / "worker.log").read_text()
