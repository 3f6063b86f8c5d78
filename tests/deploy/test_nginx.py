"""deploy/nginx/btob.conf in front of deploy/systemd/btob-web.service's gunicorn,
with btob-worker.service's worker beside it, started on loopback ports (see
tests/deploy/stack.py)."""

import gzip
import http.client
import json
import os
import shutil
import socket
import ssl
import time
import urllib.parse
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.deploy.stack import HOST, PURGE_MODULE, SALES, deployment
from tests.leads.smtp import free_port, smtp_server

# nginx sees each of these as its own reader; the app sees only nginx (127.0.0.1).
READER, OTHER_READER, SPOOFER = "127.0.0.2", "127.0.0.3", "127.0.0.4"
CORRESPONDENT = "127.0.0.5"
FORM_FILL_SECONDS = 3.2  # past the lead form's time trap


@pytest.fixture(scope="module")
def inbox():
    port = free_port()
    with smtp_server(port) as received:
        received.port = port
        yield received


@pytest.fixture(scope="module")
def stack(tmp_path_factory, inbox):
    nginx = shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
    if not nginx or not PURGE_MODULE.exists():
        reason = (
            "the deployment test needs Debian's nginx and its "
            "libnginx-mod-http-cache-purge (.ci/run installs them)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI must start the deployment: {reason}")
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("deploy")
    with deployment(workdir, smtp_port=inbox.port) as running:
        yield running


def tls_context(stack, *protocols: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(stack.ca_file))
    if protocols:
        context.set_alpn_protocols(list(protocols))
    return context


def fetch(stack, method, path, *, source=READER, body=None, headers=None):
    """One HTTPS request through nginx from the loopback address `source`."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        stack.https_port,
        context=tls_context(stack),
        timeout=20,
        source_address=(source, 0),
    )
    try:
        connection.request(
            method, path, body=body, headers={"Host": HOST, **(headers or {})}
        )
        response = connection.getresponse()
        response.body = response.read()
    finally:
        connection.close()
    return response


def parse(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "html5lib")


def enquiry_form(stack, source: str, email: str) -> dict[str, str]:
    """The contact page's lead form as `source` is served it, filled in."""
    page = fetch(stack, "GET", "/contact/", source=source)
    assert page.status == 200
    form = parse(page.body).find("form", action="/leads/enquiry/")
    fields = {
        field["name"]: field.get("value", "")
        for field in form.find_all("input", type="hidden")
    }
    # What the page's script does when the page loads.
    token = fetch(stack, "GET", form["data-token-url"], source=source)
    assert token.status == 200
    fields["form_token"] = json.loads(token.body)["token"]
    fields.update(
        name="Amina Qureshi",
        email=email,
        message="We would like to discuss copper offtake.",
        consent="on",
        website="",
    )
    return fields


def send(stack, fields: dict, *, source: str, forwarded_for: str | None = None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    body = urllib.parse.urlencode(fields)
    return fetch(
        stack, "POST", "/leads/enquiry/", source=source, body=body, headers=headers
    ).status


def filled_forms(stack, sources: list[str]) -> list[dict]:
    forms = [
        enquiry_form(stack, source, f"reader{n}@example.com")
        for n, source in enumerate(sources)
    ]
    time.sleep(FORM_FILL_SECONDS)
    return forms


def test_each_reader_behind_nginx_has_their_own_enquiry_limit(stack):
    sources = [READER, READER, READER, OTHER_READER]
    forms = filled_forms(stack, sources)
    before = stack.lead_count()
    statuses = [
        send(stack, form, source=source)
        for form, source in zip(forms, sources, strict=True)
    ]
    # LEADS_RATE_LIMIT=2 a day: the third from one reader is refused, the
    # first from another is not.
    assert statuses == [303, 303, 429, 303]
    assert stack.lead_count() == before + 3


def test_a_forwarded_for_header_written_by_the_reader_does_not_escape_the_limit(
    stack,
):
    forms = filled_forms(stack, [SPOOFER] * 4)
    assert [send(stack, form, source=SPOOFER) for form in forms[:2]] == [303, 303]
    spoofed = [
        send(stack, forms[2], source=SPOOFER, forwarded_for="198.51.100.23"),
        send(stack, forms[3], source=SPOOFER, forwarded_for="127.0.0.1, 127.0.0.5"),
    ]
    assert spoofed == [429, 429]


def test_the_worker_mails_sales_about_an_enquiry_sent_through_nginx(stack, inbox):
    form = filled_forms(stack, [CORRESPONDENT])[0]
    form["email"] = "correspondent@example.com"
    assert send(stack, form, source=CORRESPONDENT) == 303
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mails = [
            (recipients, message)
            for recipients, message in inbox.messages
            if "correspondent@example.com" in message["Reply-To"]
        ]
        if mails:
            break
        time.sleep(0.5)
    assert [recipients for recipients, _ in mails] == [[SALES]]


@pytest.mark.parametrize(
    "spelling",
    [
        lambda name: f"/media/{name}",
        lambda name: f"/media//{name}",
        lambda name: f"/media/images/../{name}",
        lambda name: "/media/" + name.replace("documents/", "%64ocuments/"),
    ],
    ids=["plain", "double-slash", "dot-dot", "percent-encoded"],
)
def test_a_private_document_is_not_served_from_media(stack, spelling):
    assert (stack.media / stack.document_file).is_file()
    response = fetch(stack, "GET", spelling(stack.document_file))
    assert response.status == 404
    assert b"Confidential" not in response.body


def test_a_private_document_is_served_by_wagtail_only_after_login(stack):
    response = fetch(stack, "GET", stack.document_url)
    assert response.status == 302
    location = urllib.parse.urlsplit(response.getheader("Location"))
    assert location.path.endswith("/login/")
    assert urllib.parse.parse_qs(location.query)["next"] == [stack.document_url]


def test_uploaded_images_are_served_by_nginx_with_nosniff(stack):
    response = fetch(stack, "GET", f"/media/{stack.image_file}")
    assert response.status == 200
    assert response.getheader("Content-Type") == "image/png"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "sandbox" in response.getheader("Content-Security-Policy")
    assert response.body == (stack.media / stack.image_file).read_bytes()


def test_html_is_sent_gzip_compressed(stack):
    response = fetch(stack, "GET", "/", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in response.getheader("Vary")
    soup = parse(gzip.decompress(response.body))
    assert soup.find("h1").get_text(strip=True)
    plain = fetch(stack, "GET", "/")
    assert plain.getheader("Content-Encoding") is None
    assert parse(plain.body).find("h1").get_text() == soup.find("h1").get_text()


def test_the_app_sees_https_from_nginx_and_sends_hsts(stack):
    # HTTPS_ONLY=1: had the app not believed nginx's X-Forwarded-Proto, it
    # would redirect every request to https again.
    response = fetch(stack, "GET", "/")
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security").startswith("max-age=")


def test_plain_http_is_redirected_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=20)
    try:
        connection.request("GET", "/contact/?a=1", headers={"Host": HOST})
        response = connection.getresponse()
    finally:
        connection.close()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/contact/?a=1"


def test_the_www_name_is_redirected_to_the_bare_one(stack):
    # One address per page: the edge cache is purged under the site's host only.
    response = fetch(stack, "GET", "/contact/?a=1", headers={"Host": f"www.{HOST}"})
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/contact/?a=1"
    assert response.getheader("X-Cache-Status") is None
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=20)
    try:
        connection.request("GET", "/insights/", headers={"Host": f"www.{HOST}"})
        plain = connection.getresponse()
    finally:
        connection.close()
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/insights/"
    # The bare name itself is served, not redirected.
    assert fetch(stack, "GET", "/contact/").status == 200


def test_https_offers_http2(stack):
    context = tls_context(stack, "h2", "http/1.1")
    with (
        socket.create_connection(("127.0.0.1", stack.https_port), timeout=20) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
