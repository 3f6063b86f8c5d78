"""The edge cache of deploy/nginx/btob.conf in front of the app, purged by the
task worker (see tests/deploy/stack.py)."""

import http.client
import os
import shutil
import ssl
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.deploy.stack import HOST, PURGE_MODULE, deployment

ARTICLE = "/insights/us-interest-in-pakistans-minerals/"
PUBLISH_VISIBLE_SECONDS = 5

EDITOR_SESSION_SCRIPT = """
from django.contrib.auth import get_user_model
from django.test import Client
user, _ = get_user_model().objects.get_or_create(
    username="editor", defaults={"is_staff": True, "is_superuser": True}
)
client = Client()
client.force_login(user)
print(client.cookies["sessionid"].value)
"""

# Changes the page's row only: no signal, so nothing is purged or invalidated.
RETITLE_QUIETLY_SCRIPT = """
from wagtail.models import Page
Page.objects.filter(slug="about").update(title="About us, as the editor sees it")
"""

PUBLISH_SCRIPT = """
from wagtail.models import Page
page = Page.objects.get(slug="privacy").specific
page.title = "Privacy, revised"
page.save_revision().publish()
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    missing = [
        reason
        for reason, present in (
            (
                "Debian's nginx",
                shutil.which("nginx") or Path("/usr/sbin/nginx").exists(),
            ),
            ("libnginx-mod-http-cache-purge", PURGE_MODULE.exists()),
        )
        if not present
    ]
    if missing:
        reason = (
            f"the edge cache test needs {' and '.join(missing)} (.ci/run installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must start the deployment: {reason}")
        pytest.skip(reason)
    with deployment(tmp_path_factory.mktemp("edge")) as running:
        for path in (ARTICLE, "/about/", "/privacy/"):
            warm(running, path)
        yield running


def warm(stack, path: str) -> None:
    """Wait out a page's first rendering, which makes its image renditions."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if fetch(stack, path).status == 200:
                return
        except TimeoutError:
            pass
        time.sleep(1)
    raise AssertionError(f"{path} never answered 200")


def fetch(stack, path, *, method="GET", source="127.0.0.1", headers=None, port=None):
    if port is None:
        connection = http.client.HTTPSConnection(
            "127.0.0.1",
            stack.https_port,
            context=tls_context(stack),
            timeout=60,
            source_address=(source, 0),
        )
    else:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(source, 0)
        )
    try:
        connection.request(method, path, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        response.body = response.read()
    finally:
        connection.close()
    return response


def tls_context(stack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(stack.ca_file))


def heading(response) -> str:
    return BeautifulSoup(response.body, "html5lib").find("h1").get_text(strip=True)


def cached(stack, path: str):
    """GET `path` until the cache answers it (the first GET may fill it)."""
    for _ in range(3):
        response = fetch(stack, path)
        assert response.status == 200
        if response.getheader("X-Cache-Status") == "HIT":
            return response
    raise AssertionError(f"{path} is never answered from the cache")


def test_a_second_anonymous_get_is_a_hit_with_identical_bytes(stack):
    fetch(stack, ARTICLE, method="PURGE", port=stack.purge_port)
    first = fetch(stack, ARTICLE)
    second = fetch(stack, ARTICLE)
    assert first.status == second.status == 200
    assert first.getheader("X-Cache-Status") == "MISS"
    assert second.getheader("X-Cache-Status") == "HIT"
    assert second.body == first.body
    assert "public" in second.getheader("Cache-Control")


def test_a_url_with_only_tracking_parameters_is_served_the_bare_paths_copy(stack):
    bare = cached(stack, ARTICLE)
    for query in (
        "?utm_source=newsletter&utm_medium=email&utm_campaign=copper",
        "?gclid=abc123",
        "?fbclid=xyz&utm_content=banner&utm_term=copper",
    ):
        variant = fetch(stack, ARTICLE + query)
        assert variant.getheader("X-Cache-Status") == "HIT", query
        assert variant.body == bare.body


@pytest.mark.parametrize(
    "query", ["?page=2", "?utm_source=a&q=copper", "?utm_sourcex=1"]
)
def test_any_other_query_is_passed_to_the_app(stack, query):
    cached(stack, ARTICLE)
    response = fetch(stack, ARTICLE + query)
    assert response.getheader("X-Cache-Status") == "BYPASS"
    again = fetch(stack, ARTICLE + query)
    assert again.getheader("X-Cache-Status") == "BYPASS"


def test_a_signed_in_editor_is_never_served_the_cached_page(stack):
    session = (
        stack.manage("shell", "-c", EDITOR_SESSION_SCRIPT).strip().splitlines()[-1]
    )
    before = cached(stack, "/about/")
    stack.manage("shell", "-c", RETITLE_QUIETLY_SCRIPT)
    cookie = {"Cookie": f"csrftoken=abc; sessionid={session}"}

    editor = fetch(stack, "/about/", headers=cookie)
    assert editor.status == 200
    assert editor.getheader("X-Cache-Status") == "BYPASS"
    assert heading(editor) == "About us, as the editor sees it"
    assert "public" not in editor.getheader("Cache-Control")

    # Nor was the editor's page kept for anonymous readers.
    reader = fetch(stack, "/about/")
    assert reader.getheader("X-Cache-Status") == "HIT"
    assert reader.body == before.body


def test_a_post_is_never_answered_from_the_cache(stack):
    cached(stack, ARTICLE)
    response = fetch(
        stack,
        ARTICLE,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.getheader("X-Cache-Status") in (None, "", "BYPASS")


def test_a_publish_is_visible_through_the_proxy_within_five_seconds(stack):
    assert heading(cached(stack, "/privacy/")) != "Privacy, revised"
    stack.manage("shell", "-c", PUBLISH_SCRIPT)
    published = time.monotonic()
    seen = None
    while time.monotonic() - published < PUBLISH_VISIBLE_SECONDS:
        response = fetch(stack, "/privacy/")
        seen = heading(response)
        if seen == "Privacy, revised":
            break
        time.sleep(0.1)
    assert seen == "Privacy, revised"
    # Purged, so the first reader made a new copy for the next.
    assert cached(stack, "/privacy/").body == response.body


def test_the_purge_address_refuses_other_addresses(stack):
    cached(stack, ARTICLE)
    refused = fetch(
        stack, ARTICLE, method="PURGE", source="127.0.0.2", port=stack.purge_port
    )
    assert refused.status == 403
    assert fetch(stack, ARTICLE).getheader("X-Cache-Status") == "HIT"
