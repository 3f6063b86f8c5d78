import logging

import pytest
from django.test import RequestFactory

from articles.client_address import ClientAddressFilter, client_address


def request(remote: str, forwarded: str | None = None, **meta):
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=remote, **meta)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "::1"]


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_headers_from_an_untrusted_peer_change_nothing(behind_proxy):
    spoofed = request("203.0.113.9", "198.51.100.1", HTTP_X_REAL_IP="198.51.100.2")
    assert client_address(spoofed) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client(
    behind_proxy,
):
    # The client wrote 198.51.100.1 itself; nginx appended what it saw.
    chain = request("127.0.0.1", "198.51.100.1, 203.0.113.9")
    assert client_address(chain) == "203.0.113.9"


def test_trusted_hops_are_skipped_from_the_right(behind_proxy):
    chain = request("127.0.0.1", "198.51.100.1, 203.0.113.9, 10.1.2.3")
    assert client_address(chain) == "203.0.113.9"


def test_x_real_ip_is_never_read(behind_proxy):
    chain = request("127.0.0.1", "203.0.113.9", HTTP_X_REAL_IP="198.51.100.2")
    assert client_address(chain) == "203.0.113.9"


def test_garbage_in_the_chain_stops_at_the_last_proxy(behind_proxy):
    assert client_address(request("127.0.0.1", "not-an-ip")) == "127.0.0.1"
    assert client_address(request("127.0.0.1", "")) == "127.0.0.1"


def test_ipv6_and_mapped_ipv4_clients(behind_proxy):
    assert client_address(request("::1", "2001:db8::7")) == "2001:db8::7"
    assert client_address(request("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_address(request("::1", "[2001:db8::8]:4431")) == "2001:db8::8"


@pytest.mark.django_db
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(client, behind_proxy):
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    spoofed = client.get("/robots.txt", REMOTE_ADDR="203.0.113.9", **https)
    assert not spoofed.wsgi_request.is_secure()
    proxied = client.get("/robots.txt", REMOTE_ADDR="127.0.0.1", **https)
    assert proxied.wsgi_request.is_secure()


def test_log_records_about_a_request_name_its_client(behind_proxy):
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "x", (), None)
    record.request = request("127.0.0.1", "203.0.113.9")
    assert ClientAddressFilter().filter(record)
    assert record.client == "203.0.113.9"
