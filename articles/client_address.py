"""The one place that decides a request's client address.

Behind reverse proxies listed in `TRUSTED_PROXIES` the client is the right-most
`X-Forwarded-For` entry that is not itself a trusted proxy: each proxy appends
the address it received the request from, so entries left of that one are
whatever the client chose to write. `X-Real-IP` is never read. The rate limit,
the login lockout and the logs all ask `client_address(request)`.
"""

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _parse_trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES holds {entry!r}, which is neither an IP address "
                "nor a CIDR range such as 10.0.0.0/8."
            ) from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    return _parse_trusted(tuple(settings.TRUSTED_PROXIES))


def _address(value: str) -> Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is still that IPv4 client.
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted_proxy(address: Address | None) -> bool:
    return address is not None and any(address in net for net in trusted_proxies())


def client_address(request) -> str:
    """The client's IP address as text, or "" when the request has none."""
    cached = getattr(request, "_client_address", None)
    if cached is not None:
        return cached
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    client = peer
    if is_trusted_proxy(peer):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # garbage a client wrote: the last proxy saw its sender
            client = address
            if not is_trusted_proxy(address):
                break
    result = str(client) if client is not None else ""
    request._client_address = result
    return result


def is_from_trusted_proxy(request) -> bool:
    return is_trusted_proxy(_address(request.META.get("REMOTE_ADDR", "")))


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: proxy headers count only from a trusted proxy."""

    HEADERS = ("HTTP_X_FORWARDED_PROTO",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_from_trusted_proxy(request):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


class ClientAddressFilter(logging.Filter):
    """Gives log records about a request a `client` attribute."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.client = client_address(request) if request is not None else "-"
        return True
