"""Per-address limit on valid enquiries (IPv6: per /64), counted in the shared
default cache so that it holds across gunicorn workers and servers (database
cache, or Redis)."""

import ipaddress
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_at: float


def parse_rate(value: str) -> Rate | None:
    """'5/10m' → 5 per 600 seconds; '0' → no limit."""
    if value.strip() == "0":
        return None
    match = RATE_PATTERN.match(value)
    if not match or int(match[1]) == 0:
        raise ImproperlyConfigured(
            f"LEADS_RATE_LIMIT must look like 5/10m (count/period in s, m, h or d) "
            f"or be 0 to switch it off, not {value!r}."
        )
    return Rate(int(match[1]), int(match[2] or 1) * UNITS[match[3]])


# Limits up to this many attempts read all their slots in one cache query.
SLOTS_READ_AT_ONCE = 20


def rate_limit_key(address: str) -> str:
    """What one visitor's attempts are counted under: an IPv4 address, or the
    /64 network of an IPv6 one, since a single host is handed a whole /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def rate_limit_hit(ip: str, *, now: float | None = None) -> Verdict:
    """Count one attempt from this address (or /64) in the current fixed window."""
    rate = parse_rate(settings.LEADS_RATE_LIMIT)
    now = time.time() if now is None else now
    if rate is None:
        return Verdict(allowed=True, retry_at=now)
    window = int(now // rate.seconds)
    retry_at = float((window + 1) * rate.seconds)
    key = f"leads:rate:{rate_limit_key(ip)}:{rate.seconds}:{window}"
    timeout = rate.seconds + 5
    # Each attempt claims the next free numbered slot with add(), which is
    # atomic on the database cache (a unique key) and on Redis (SET NX), so
    # simultaneous requests on any worker or server never share a count.
    if rate.count <= SLOTS_READ_AT_ONCE:
        # A usual limit (a handful): one read shows which slots are taken.
        names = [f"{key}:{slot}" for slot in range(1, rate.count + 1)]
        taken = cache.get_many(names)
        slot = next(
            (number for number, name in enumerate(names, 1) if name not in taken),
            rate.count + 1,
        )
        while slot <= rate.count and not cache.add(f"{key}:{slot}", 1, timeout):
            slot += 1
        return Verdict(allowed=slot <= rate.count, retry_at=retry_at)
    # A large limit: the plain key hints where the free slots start.
    slot = max(int(cache.get(key, 0)), 0) + 1
    while slot <= rate.count and not cache.add(f"{key}:{slot}", 1, timeout):
        slot += 1
    if slot <= rate.count:
        cache.set(key, slot, timeout)
    return Verdict(allowed=slot <= rate.count, retry_at=retry_at)
