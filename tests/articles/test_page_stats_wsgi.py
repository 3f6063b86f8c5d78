"""The view beacon answered at the WSGI level (articles.page_stats.BeaconApp).

Requests are real WSGI environs (RequestFactory's), answered by the same
`BeaconApp` that btob/wsgi.py puts in front of Django; then through gunicorn.
"""

import http.client
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from articles.models import PageDailyCount
from articles.page_stats import APPLICATION_NAME, PIXEL, BeaconApp
from btob import wsgi
from tests.articles.test_page_stats import READER, counts
from tests.builders import make_article
from tests.leads.servers import gunicorn, requires_postgresql


@pytest.fixture
def beacon_app():
    app = BeaconApp(get_wsgi_application())
    yield app
    # No thread may store (and so reconnect) after the connection is closed.
    app.batch.stop()
    app.database.close()  # a test database with a connection open cannot be dropped


def stored(app, page) -> tuple[int, int]:
    """The page's counts once the app has stored what it holds."""
    app.batch.flush()
    return counts(page)


def call(app, method: str, path: str, **headers) -> tuple[str, dict, bytes]:
    """Status line, headers and body of one WSGI request."""
    headers.setdefault("HTTP_USER_AGENT", READER)
    environ = getattr(RequestFactory(), method)(path, **headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = status
        answer["headers"] = dict(response_headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def test_the_project_wsgi_application_answers_the_beacon_before_django():
    assert isinstance(wsgi.application, BeaconApp)
    assert wsgi.application.application is wsgi.django_application


@pytest.mark.django_db(transaction=True)
def test_a_view_is_counted_on_the_beacon_own_connection(beacon_app):
    article = make_article()
    with CaptureQueriesContext(connection) as django_queries:
        status, headers, body = call(beacon_app, "post", f"/stats/{article.pk}/view")
        call(beacon_app, "post", f"/stats/{article.pk}/start")
    assert status == "204 No Content"
    assert body == b""
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Set-Cookie" not in headers
    assert "Vary" not in headers
    assert stored(beacon_app, article) == (1, 1)
    assert not django_queries.captured_queries  # Django's connection is not used


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_in_one_process_are_counted_exactly(beacon_app):
    article = make_article()

    def hit(number: int) -> str:
        kind = "view" if number % 4 else "start"
        status = call(beacon_app, "post", f"/stats/{article.pk}/{kind}")[0]
        if number % 50 == 0:
            beacon_app.batch.flush()  # stores run while others count
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(hit, range(400)))
    assert answers == ["204 No Content"] * 400
    assert stored(beacon_app, article) == (300, 100)


@pytest.mark.django_db(transaction=True)
def test_the_pixel_is_a_gif_and_a_head_request_is_not_counted(beacon_app):
    article = make_article()
    status, headers, body = call(beacon_app, "get", f"/stats/{article.pk}/view.gif")
    assert status == "200 OK"
    assert headers["Content-Type"] == "image/gif"
    assert body == PIXEL
    assert headers["Content-Length"] == str(len(PIXEL))
    status, headers, body = call(beacon_app, "head", f"/stats/{article.pk}/view.gif")
    assert status == "200 OK"
    assert body == b""
    assert headers["Content-Length"] == str(len(PIXEL))
    assert stored(beacon_app, article) == (1, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"HTTP_USER_AGENT": "Mozilla/5.0 (X11) HEADLESSCHROME/131.0.0.0"},
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_DNT": "1"},
        {"HTTP_SEC_GPC": "1"},
        {"HTTP_COOKIE": "csrftoken=abc; sessionid=abc123"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
    ],
    ids=["bot", "headless-upper-case", "prefetch", "dnt", "gpc", "staff", "other"],
)
def test_the_wsgi_beacon_keeps_the_counting_rules(beacon_app, headers):
    article = make_article()
    for method, path in (("post", "view"), ("post", "start"), ("get", "view.gif")):
        status, answer, _ = call(
            beacon_app, method, f"/stats/{article.pk}/{path}", **headers
        )
        assert status in ("200 OK", "204 No Content")
        assert answer["Cache-Control"] == "no-store"
    assert stored(beacon_app, article) == (0, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("get", "/stats/1/view", "405 Method Not Allowed", "POST"),
        ("put", "/stats/1/start", "405 Method Not Allowed", "POST"),
        ("post", "/stats/1/view.gif", "405 Method Not Allowed", "GET, HEAD"),
        ("post", "/stats/abc/view", "404 Not Found", None),
        ("post", "/stats/1/view/", "404 Not Found", None),
        ("get", "/stats/", "404 Not Found", None),
    ],
)
def test_other_wsgi_requests_get_a_clear_4xx(beacon_app, method, path, status, allow):
    answer, headers, _ = call(beacon_app, method, path)
    assert answer == status
    assert headers.get("Allow") == allow
    assert headers["Cache-Control"] == "no-store"
    beacon_app.batch.flush()
    assert not PageDailyCount.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_other_paths_go_on_to_django(beacon_app):
    make_article()
    status, headers, body = call(beacon_app, "get", "/robots.txt")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("text/plain")
    assert b"Sitemap:" in body
    status, _, _ = call(beacon_app, "get", "/statsx/1/view/")
    assert status == "404 Not Found"


@pytest.mark.django_db(transaction=True)
def test_after_its_connection_breaks_the_beacon_reconnects(beacon_app, caplog):
    article = make_article()
    call(beacon_app, "post", f"/stats/{article.pk}/view")
    assert stored(beacon_app, article) == (1, 0)
    # The connection goes away under the beacon (a database restart, a proxy).
    beacon_app.database._wrapper.connection.close()
    lost, _, _ = call(beacon_app, "post", f"/stats/{article.pk}/view")
    assert stored(beacon_app, article) == (1, 0)
    assert "1 views and 0 form starts were not counted" in caplog.text
    counted, _, _ = call(beacon_app, "post", f"/stats/{article.pk}/view")
    assert (lost, counted) == ("204 No Content", "204 No Content")
    assert stored(beacon_app, article) == (2, 0)


# Through gunicorn, on PostgreSQL: btob.wsgi as deployed.


def request(base: str, method: str, path: str, **headers):
    address = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    conn.request(method, path, headers={"User-Agent": READER, **headers})
    response = conn.getresponse()
    answer = response.status, dict(response.getheaders()), response.read()
    conn.close()
    return answer


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_through_gunicorn_the_beacon_answers_with_its_headers_and_counts():
    article = make_article()
    with gunicorn(workers=1, boot_seconds=120) as base:
        gif = request(base, "GET", f"/stats/{article.pk}/view.gif")
        head = request(base, "HEAD", f"/stats/{article.pk}/view.gif")
        posted = request(base, "POST", f"/stats/{article.pk}/view")
        not_allowed = request(base, "GET", f"/stats/{article.pk}/start")
        missing = request(base, "POST", "/stats/1/click")
        opted_out = request(base, "POST", f"/stats/{article.pk}/view", DNT="1")
        page = request(base, "GET", article.url)
    status, headers, body = gif
    assert (status, headers["Content-Type"], body) == (200, "image/gif", PIXEL)
    assert (head[0], head[2], head[1]["Content-Length"]) == (200, b"", str(len(PIXEL)))
    assert posted[0] == 204
    assert (not_allowed[0], not_allowed[1]["Allow"]) == (405, "POST")
    assert missing[0] == 404
    assert opted_out[0] == 204
    for _, headers, _ in (gif, head, posted, not_allowed, missing, opted_out):
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "Set-Cookie" not in headers
    assert page[0] == 200  # the rest of the site is Django's, as before
    assert "Content-Security-Policy" in page[1]
    assert counts(article) == (2, 0)


def wait_for_counts(page, expected: tuple[int, int]) -> tuple[int, int]:
    """The page's counts once they are `expected`, or after 30 s."""
    deadline = time.monotonic() + 30
    while counts(page) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return counts(page)


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_through_gunicorn_counts_are_stored_live_and_a_dropped_link_loses_one_batch():
    article = make_article()
    with gunicorn(workers=1, boot_seconds=120) as base:
        assert request(base, "POST", f"/stats/{article.pk}/view")[0] == 204
        # Stored while gunicorn runs, not only when its worker exits.
        assert wait_for_counts(article, (1, 0)) == (1, 0)
        # Only the beacon's own connection: other tests' connections live on.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [APPLICATION_NAME],
            )
            assert cursor.fetchall() == [(True,)]
        answers = [request(base, "POST", f"/stats/{article.pk}/view")[0]]
        time.sleep(5)  # its batch goes to the terminated connection and is lost
        answers += [request(base, "POST", f"/stats/{article.pk}/view")[0]]
        answers += [request(base, "POST", f"/stats/{article.pk}/view")[0]]
        assert wait_for_counts(article, (3, 0)) == (3, 0)
    assert answers == [204, 204, 204]
