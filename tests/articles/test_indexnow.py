"""IndexNow: the key file, and the worker posting changed addresses to the endpoint."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageViewRestriction

from articles import indexnow
from articles.checks import check_indexnow_key
from tests.builders import make_article, make_index

KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.django_db


class Endpoint:
    """A local IndexNow endpoint: answers with `statuses` in turn (then 200)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers["Content-Type"],
                        "json": json.loads(body),
                    }
                )
                status = endpoint.statuses.pop(0) if endpoint.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/indexnow"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posted_urls(self) -> list[str]:
        return [url for request in self.requests for url in request["json"]["urlList"]]


@pytest.fixture
def endpoint(settings):
    settings.INDEXNOW_KEY = KEY
    settings.INDEXNOW_RETRY_DELAYS = (0, 0)
    server = Endpoint()
    settings.INDEXNOW_ENDPOINT = server.url
    yield server
    server.stop()


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def indexnow_tasks():
    return DBTaskResult.objects.filter(task_path="articles.indexnow.notify_indexnow")


def settle(endpoint: Endpoint) -> None:
    """Deliver what building the site so far sent, then forget it."""
    run_worker()
    endpoint.requests.clear()
    indexnow_tasks().delete()


def test_the_key_file_answers_the_key_as_plain_text(client, settings):
    settings.INDEXNOW_KEY = KEY
    response = client.get(f"/{KEY}.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == KEY


def test_another_key_file_is_not_found(client, settings):
    settings.INDEXNOW_KEY = KEY
    assert client.get("/fedcba9876543210.txt").status_code == 404


def test_no_key_file_is_served_without_a_key(client, settings):
    settings.INDEXNOW_KEY = ""
    assert client.get(f"/{KEY}.txt").status_code == 404


@pytest.mark.parametrize("key", ["short", "has space in it", "x" * 129])
def test_a_key_the_site_cannot_serve_fails_the_system_check(key):
    with override_settings(INDEXNOW_KEY=key):
        errors = check_indexnow_key(None)
    assert [error.id for error in errors] == ["articles.E002"]
    with override_settings(INDEXNOW_KEY=KEY):
        assert check_indexnow_key(None) == []


@pytest.mark.django_db(transaction=True)
def test_a_published_page_is_posted_to_the_endpoint_by_the_worker(endpoint):
    make_index()
    settle(endpoint)
    page = make_article(title="Copper", slug="copper")
    assert indexnow_tasks().count() == 1
    run_worker()
    [request] = endpoint.requests
    assert request["path"] == "/indexnow"
    assert request["content_type"] == "application/json; charset=utf-8"
    assert request["json"] == {
        "host": "localhost",
        "key": KEY,
        "keyLocation": f"http://localhost/{KEY}.txt",
        "urlList": [page.full_url],
    }
    assert page.full_url == "http://localhost/insights/copper/"


@pytest.mark.django_db(transaction=True)
def test_an_unpublished_page_sends_its_old_address(endpoint):
    page = make_article(slug="copper")
    settle(endpoint)
    page.unpublish()
    run_worker()
    assert endpoint.posted_urls() == ["http://localhost/insights/copper/"]


@pytest.mark.django_db(transaction=True)
def test_a_moved_page_sends_its_old_and_new_addresses(endpoint):
    page = make_article(slug="copper")
    other = make_index(title="News", slug="news")
    settle(endpoint)
    page.move(other, pos="last-child")
    run_worker()
    assert sorted(endpoint.posted_urls()) == [
        "http://localhost/insights/copper/",
        "http://localhost/news/copper/",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_moved_section_sends_its_childrens_addresses_too(endpoint):
    section = make_index(title="News", slug="news")
    make_article(slug="copper", parent=section)
    target = make_index(title="Insights", slug="insights")
    settle(endpoint)
    section.move(target, pos="last-child")
    run_worker()
    assert sorted(endpoint.posted_urls()) == [
        "http://localhost/insights/news/",
        "http://localhost/insights/news/copper/",
        "http://localhost/news/",
        "http://localhost/news/copper/",
    ]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_enqueued_without_a_key(settings):
    settings.INDEXNOW_KEY = ""
    page = make_article()
    page.unpublish()
    assert not indexnow_tasks().exists()


@pytest.mark.django_db(transaction=True)
def test_a_page_behind_a_view_restriction_is_never_announced(endpoint):
    index = make_index()
    settle(endpoint)
    PageViewRestriction.objects.create(
        page=index, restriction_type=PageViewRestriction.LOGIN
    )
    page = make_article()
    page.unpublish()
    assert not indexnow_tasks().exists()


@pytest.mark.django_db(transaction=True)
def test_a_server_error_is_retried_until_the_batch_is_delivered(endpoint):
    make_index()
    settle(endpoint)
    endpoint.statuses = [500]
    page = make_article()
    run_worker()
    assert len(endpoint.requests) == 2
    assert endpoint.requests[0]["json"] == endpoint.requests[1]["json"]
    assert endpoint.posted_urls()[-1] == page.full_url
    assert list(
        indexnow_tasks().order_by("enqueued_at").values_list("return_value", flat=True)
    ) == ["retrying", "sent"]


@pytest.mark.django_db(transaction=True)
def test_a_retry_waits_for_its_delay(endpoint, settings):
    settings.INDEXNOW_RETRY_DELAYS = (1,)
    make_index()
    settle(endpoint)
    endpoint.statuses = [503]
    make_article()
    run_worker()
    assert len(endpoint.requests) == 1  # the retry is not due yet
    time.sleep(1.1)
    run_worker()
    assert len(endpoint.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_retries_stop_after_the_last_delay(endpoint):
    make_index()
    settle(endpoint)
    endpoint.statuses = [500, 500, 500, 500]
    make_article()
    run_worker()
    assert len(endpoint.requests) == 3  # one attempt and two retries
    assert indexnow_tasks().filter(return_value="failed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_endpoint_is_retried(endpoint, settings):
    endpoint.stop()
    settings.INDEXNOW_RETRY_DELAYS = (0,)
    make_index()
    indexnow_tasks().delete()
    make_article()
    run_worker()
    assert sorted(indexnow_tasks().values_list("return_value", flat=True)) == [
        "failed",
        "retrying",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_client_error_is_not_retried(endpoint):
    make_index()
    settle(endpoint)
    endpoint.statuses = [422]
    make_article()
    run_worker()
    assert len(endpoint.requests) == 1
    assert indexnow_tasks().count() == 1


def test_urls_are_batched_per_host_ten_thousand_at_most():
    urls = [f"https://a.example/{n}/" for n in range(10_001)]
    urls.append("https://b.example/x/")
    found = indexnow.batches(urls)
    assert [(scheme, host, len(batch)) for scheme, host, batch in found] == [
        ("https", "a.example", 10_000),
        ("https", "a.example", 1),
        ("https", "b.example", 1),
    ]
