import threading

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from playwright.sync_api import sync_playwright

# Debian's Chromium, never Playwright's own download; the network flags keep it
# from calling home on a machine without internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, but on PostgreSQL any session on them
    still open at the end (a connection made by a live-server thread that
    ended without closing it) is ended first: PostgreSQL refuses to drop a
    database another session is using, and the test database was left behind."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    connection.close()


@pytest.fixture(autouse=True)
def _rendition_cache_per_test():
    # Wagtail keys cached renditions by image id; SQLite hands the ids of a test's
    # rolled-back images to the next test's, which would get their renditions.
    yield
    caches["renditions"].clear()


@pytest.fixture(autouse=True)
def _enquiry_pages_per_test():
    # Each process keeps the pages enquiries name under the page cache's
    # generation; a test's rolled-back pages must not reach the next test.
    from leads.pages import enquiry_pages_forget

    yield
    enquiry_pages_forget()


@pytest.fixture(autouse=True)
def _lead_spool_per_test(settings, tmp_path):
    # The worker's spool job and the enquiry view write there: never the
    # project's own var/ folder.
    settings.LEADS_SPOOL_DIR = tmp_path / "lead-spool"


@pytest.fixture(scope="session", autouse=True)
def _live_server_one_request_at_a_time_on_sqlite():
    # On SQLite the live server's threads share the test's one in-memory
    # connection, and a browser sends requests in parallel: without this, two
    # of them interleave savepoints ("cannot release savepoint"). PostgreSQL
    # gives each thread its own connection and needs no lock.
    if connection.vendor != "sqlite":
        yield
        return
    original = WSGIHandler.__call__
    lock = threading.Lock()

    def one_at_a_time(self, environ, start_response):
        with lock:
            return original(self, environ, start_response)

    WSGIHandler.__call__ = one_at_a_time
    yield
    WSGIHandler.__call__ = original


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls stay synchronous, as Django's docs allow.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
