import pytest
from django.core.cache import caches
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


@pytest.fixture(autouse=True)
def _rendition_cache_per_test():
    # Wagtail keys cached renditions by image id; SQLite hands the ids of a test's
    # rolled-back images to the next test's, which would get their renditions.
    yield
    caches["renditions"].clear()


@pytest.fixture(autouse=True)
def _lead_spool_per_test(settings, tmp_path):
    # The worker's spool job and the enquiry view write there: never the
    # project's own var/ folder.
    settings.LEADS_SPOOL_DIR = tmp_path / "lead-spool"


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
