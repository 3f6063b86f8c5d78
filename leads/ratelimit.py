"""Per-address limit on valid enquiries (IPv6: per /64), counted in the
database (RateCounter) so that it holds across gunicorn workers and servers.
Expired counts are deleted by a periodic job (leads/jobs.py)."""

import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from articles.inserts import Statement, statements_run
from leads.models import RateCounter

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


@dataclass(frozen=True)
class Attempt:
    """One attempt to count: the statement that counts it, whose row is the
    count it makes, and what that count means."""

    statement: Statement
    rate: Rate
    retry_at: float

    def verdict(self, count: int) -> Verdict:
        return Verdict(allowed=count <= self.rate.count, retry_at=self.retry_at)


def rate_limit_attempt(ip: str, *, now: float | None = None) -> Attempt | None:
    """An attempt from this address (or /64) in the current fixed window, to be
    counted; None when there is no limit."""
    rate = parse_rate(settings.LEADS_RATE_LIMIT)
    if rate is None:
        return None
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    retry_at = float((window + 1) * rate.seconds)
    statement = rate_counter_statement(
        key=f"{rate_limit_key(ip)}:{rate.seconds}:{window}",
        expires_at=datetime.fromtimestamp(retry_at, tz=UTC),
    )
    return Attempt(statement=statement, rate=rate, retry_at=retry_at)


def rate_limit_hit(ip: str, *, now: float | None = None) -> Verdict:
    """Count one attempt from this address (or /64) in the current fixed window."""
    attempt = rate_limit_attempt(ip, now=now)
    if attempt is None:
        return Verdict(allowed=True, retry_at=time.time() if now is None else now)
    ((count,),) = statements_run(connection.alias, [attempt.statement])
    return attempt.verdict(count)


def rate_counter_statement(*, key: str, expires_at: datetime) -> Statement:
    """The statement that adds one to the count under `key`; its row is the
    count it makes.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: atomic on PostgreSQL
    (the conflicting row is locked) and on SQLite (one writer), so simultaneous
    requests on any worker or server never share a count. A refused attempt
    counts too, which changes nothing: the window is fixed.
    """
    quote = connection.ops.quote_name
    table = quote(RateCounter._meta.db_table)
    expires = RateCounter._meta.get_field("expires_at")
    return (
        f"INSERT INTO {table} ({quote('key')}, {quote('count')}, "  # noqa: S608
        f"{quote('expires_at')}) VALUES (%s, 1, %s) "
        f"ON CONFLICT ({quote('key')}) DO UPDATE "
        f"SET {quote('count')} = {table}.{quote('count')} + 1 "
        f"RETURNING {quote('count')}",
        [key, expires.get_db_prep_save(expires_at, connection)],
    )


def rate_counters_prune(*, now: datetime | None = None) -> int:
    """Delete the counts of windows that have ended; how many."""
    expired = RateCounter.objects.filter(expires_at__lte=now or datetime.now(UTC))
    count, _ = expired.delete()
    return count
