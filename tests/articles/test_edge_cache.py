"""Purging the caching proxy: what a change enqueues and what the worker sends.

A local HTTP server stands in for the proxy's purge address and records each
PURGE; the task runs in `manage.py db_worker`, as in production.
"""

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from wagtail.models import PageViewRestriction, Site

from articles import edge_cache
from articles.models import Mineral, SiteSettings
from tests.builders import make_article, make_home, make_index, make_mineral

pytestmark = pytest.mark.django_db(transaction=True)


class PurgeEndpoint:
    """Records each PURGE as (Host header, path); answers 404 for `not_cached`."""

    def __init__(self) -> None:
        self.purges: list[tuple[str, str]] = []
        self.not_cached: set[str] = set()
        # While set, every PURGE is refused (as a proxy restarting might).
        self.failing = False
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PURGE(self) -> None:
                if endpoint.failing:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                endpoint.purges.append((self.headers["Host"], self.path))
                self.send_response(404 if self.path in endpoint.not_cached else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> set[str]:
        return {path for _, path in self.purges}


def frontend_cache(location: str, timeout: float = 2) -> dict:
    return {
        "default": {
            "BACKEND": "articles.edge_cache.HTTPBackend",
            "LOCATION": location,
            "TIMEOUT": timeout,
        }
    }


@pytest.fixture
def proxy(settings):
    endpoint = PurgeEndpoint()
    settings.WAGTAILFRONTENDCACHE = frontend_cache(endpoint.url)
    yield endpoint
    endpoint.stop()


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )


def purge_tasks():
    return DBTaskResult.objects.filter(task_path=edge_cache.purge_site.module_path)


def settle(proxy: PurgeEndpoint) -> None:
    """Send what building the site so far enqueued, then forget it."""
    run_worker()
    proxy.purges.clear()
    DBTaskResult.objects.all().delete()


SITE_WIDE = {"/feed/", "/sitemap.xml", "/robots.txt"}


def test_a_publish_purges_every_live_public_page_with_feed_sitemap_and_robots(
    proxy,
):
    home = make_home()
    index = make_index()
    copper = make_article(title="Copper", slug="copper")
    make_article(title="Draft", slug="draft", publish=False)
    members = make_index(title="Members", slug="members")
    PageViewRestriction.objects.create(
        page=members, restriction_type=PageViewRestriction.LOGIN
    )
    make_article(title="Private", slug="private", parent=members)
    settle(proxy)

    make_article(title="Gold", slug="gold")
    assert purge_tasks().count() == 1
    run_worker()

    assert {host for host, _ in proxy.purges} == {"localhost"}
    assert sorted(proxy.paths()) == sorted(
        {home.url, index.url, copper.url, "/insights/gold/", *SITE_WIDE}
    )
    assert len(proxy.purges) == len(proxy.paths())  # each address once


def test_every_live_page_is_listed_in_batches_of_at_most_the_batch_size(
    proxy, settings
):
    make_index()
    for number in range(5):
        make_article(title=f"Article {number}", slug=f"article-{number}")
    urls = edge_cache.site_urls()
    assert len(urls) == 2 + 5 + len(SITE_WIDE)  # home, index, articles
    found = edge_cache.batches(urls * 50)  # repeats count once
    assert [url for _, batch in found for url in batch] == urls
    many = [f"https://a.example/{n}/" for n in range(edge_cache.BATCH_SIZE + 1)]
    assert [(host, len(batch)) for host, batch in edge_cache.batches(many + urls)] == [
        ("a.example", edge_cache.BATCH_SIZE),
        ("a.example", 1),
        ("localhost", len(urls)),
    ]


def test_wagtails_own_handlers_do_not_purge_a_second_time(proxy):
    make_index()
    settle(proxy)
    page = make_article(slug="copper")
    paths = DBTaskResult.objects.values_list("task_path", flat=True)
    assert [path for path in paths if "purge" in path] == [
        edge_cache.purge_site.module_path
    ]
    run_worker()
    assert [path for _, path in proxy.purges].count(page.url) == 1


def test_an_unpublished_page_is_purged_although_no_longer_live(proxy):
    page = make_article(slug="copper")
    settle(proxy)
    page.unpublish()
    run_worker()
    assert "/insights/copper/" in proxy.paths()
    assert {"/", "/insights/", *SITE_WIDE} <= proxy.paths()


def test_a_page_made_private_is_purged_with_its_children(proxy):
    section = make_index(title="Members", slug="members")
    make_article(slug="copper", parent=section)
    settle(proxy)
    PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.LOGIN
    )
    run_worker()
    # No longer public, so not among the site's pages, but its copies go.
    assert {"/members/", "/members/copper/"} <= proxy.paths()
    assert {"/", *SITE_WIDE} <= proxy.paths()


def test_a_deleted_page_is_purged(proxy):
    page = make_article(slug="copper")
    settle(proxy)
    page.delete()
    run_worker()
    assert "/insights/copper/" in proxy.paths()


def test_a_moved_section_purges_its_old_addresses_and_its_new_ones(proxy):
    section = make_index(title="News", slug="news")
    make_article(slug="copper", parent=section)
    target = make_index(title="Insights", slug="insights")
    settle(proxy)
    section.move(target, pos="last-child")
    run_worker()
    assert {
        "/news/",
        "/news/copper/",
        "/insights/news/",
        "/insights/news/copper/",
    } <= proxy.paths()


def test_a_renamed_page_purges_its_old_address(proxy):
    page = make_article(slug="copper")
    settle(proxy)
    page.slug = "copper-gold"
    page.save_revision().publish()
    run_worker()
    assert {"/insights/copper/", "/insights/copper-gold/"} <= proxy.paths()


@pytest.mark.parametrize(
    "change",
    [
        lambda: SiteSettings.for_site(Site.objects.get()).save(),
        lambda: Mineral.objects.get().save(),
        lambda: Site.objects.get().save(),
    ],
    ids=["site-settings", "snippet", "site"],
)
def test_a_change_to_what_every_page_shows_purges_every_page(proxy, change):
    page = make_article(slug="copper", minerals=[make_mineral("Copper")])
    SiteSettings.for_site(Site.objects.get())
    settle(proxy)
    change()
    assert purge_tasks().count() == 1
    run_worker()
    assert {"/", "/insights/", page.url, *SITE_WIDE} == proxy.paths()


def test_a_burst_of_changes_waits_in_one_purge(proxy):
    make_index()
    settle(proxy)
    for number in range(4):
        make_article(title=f"Article {number}", slug=f"article-{number}")
    assert purge_tasks().count() == 1
    run_worker()
    assert "/insights/article-3/" in proxy.paths()


def test_a_change_after_the_purge_started_gets_a_purge_of_its_own(proxy):
    make_index()
    settle(proxy)
    make_article(slug="copper")
    purge_tasks().update(status="RUNNING")
    make_article(slug="gold")
    assert purge_tasks().filter(status="READY").count() == 1


def test_nothing_is_enqueued_without_a_frontend_cache(settings):
    settings.WAGTAILFRONTENDCACHE = {}
    page = make_article()
    page.unpublish()
    assert not purge_tasks().exists()


def test_an_address_the_proxy_holds_no_copy_of_is_no_error(proxy, caplog):
    make_index()
    settle(proxy)
    proxy.not_cached = {"/insights/", "/feed/"}
    with caplog.at_level(logging.WARNING, logger="articles.edge_cache"):
        make_article(slug="copper")
        run_worker()
    assert "/insights/copper/" in proxy.paths()
    assert caplog.records == []


class HungProxy:
    """Accepts connections and never answers; counts them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


def test_a_proxy_that_never_answers_costs_one_timeout_and_is_logged(settings, caplog):
    make_index()
    for number in range(3):
        make_article(title=f"Article {number}", slug=f"article-{number}")
    hung = HungProxy()
    settings.WAGTAILFRONTENDCACHE = frontend_cache(hung.url, timeout=0.5)
    try:
        with caplog.at_level(logging.ERROR, logger="articles.edge_cache"):
            started = time.monotonic()
            sent = edge_cache.purge_site.call(stale_urls=[])
            elapsed = time.monotonic() - started
    finally:
        hung.close()
    assert sent == len(edge_cache.site_urls())
    # One PURGE waited out its timeout; the other addresses were not tried.
    assert len(hung.connections) == 1
    assert elapsed < 5
    messages = [record.getMessage() for record in caplog.records]
    assert any("failed" in message for message in messages)
    assert f"{sent - 1} URLs were not purged" in messages


def test_the_timeout_comes_from_the_frontend_cache_timeout_setting(settings):
    settings.FRONTEND_CACHE_TIMEOUT = 1.5
    backend = edge_cache.HTTPBackend({"LOCATION": "http://127.0.0.1:6081"})
    assert backend.timeout == 1.5


def run_retries(seconds: float) -> None:
    """Run the worker until no purge is left waiting (deferred ones included)."""
    deadline = time.monotonic() + seconds
    while purge_tasks().filter(status="READY").exists():
        assert time.monotonic() < deadline, "a purge retry is still waiting"
        run_worker()
        time.sleep(0.05)


@pytest.fixture
def refusing_proxy(proxy):
    """A proxy that refuses every purge from now on, of a site with an index."""
    make_index()
    settle(proxy)
    proxy.failing = True
    return proxy


def test_a_purge_the_proxy_refused_is_sent_again_later(
    refusing_proxy, settings, caplog
):
    proxy = refusing_proxy
    settings.FRONTEND_CACHE_RETRY_SECONDS = 0.5
    with caplog.at_level(logging.WARNING, logger="articles.edge_cache"):
        make_article(slug="copper")
        run_worker()
    assert proxy.purges == []
    retry = purge_tasks().get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 1
    assert retry.run_after > retry.enqueued_at
    assert any("retrying in" in record.getMessage() for record in caplog.records)
    # Not before its time: the worker leaves a deferred retry alone.
    run_worker()
    assert purge_tasks().filter(status="READY").count() == 1
    proxy.failing = False
    run_retries(seconds=10)
    assert {"/insights/copper/", "/insights/", "/feed/"} <= proxy.paths()
    assert purge_tasks().filter(status="SUCCESSFUL").count() == 2


def test_retries_stop_once_the_missed_copies_have_expired(
    refusing_proxy, settings, caplog
):
    # Delays 0.2 s, then 0.4 s; a third retry would come after 1.4 s, when every
    # copy the proxy holds has expired (PAGE_CACHE_SECONDS) without a purge.
    settings.FRONTEND_CACHE_RETRY_SECONDS = 0.2
    settings.PAGE_CACHE_SECONDS = 1
    with caplog.at_level(logging.WARNING, logger="articles.edge_cache"):
        make_article(slug="copper")
        run_retries(seconds=10)
    attempts = sorted(
        task.args_kwargs["kwargs"].get("attempt", 0) for task in purge_tasks()
    )
    assert attempts == [0, 1, 2]
    assert "their copies expire" in caplog.records[-1].getMessage()


def test_no_retry_when_retries_are_switched_off(refusing_proxy, settings):
    settings.FRONTEND_CACHE_RETRY_SECONDS = 0
    make_article(slug="copper")
    run_worker()
    assert purge_tasks().count() == 1
