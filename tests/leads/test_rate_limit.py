import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import override_settings

from articles.periodic import registered_jobs
from leads.checks import check_rate_limit
from leads.jobs import prune_rate_counters
from leads.models import Lead, RateCounter
from leads.ratelimit import parse_rate, rate_limit_hit, rate_limit_key
from tests.leads.builders import form_data, parse
from tests.leads.servers import gunicorn, requires_postgresql

ENQUIRY = "/leads/enquiry/"
# Fixed windows of a day: a test's few requests never straddle two of them.
TWO_A_DAY = "2/d"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post(base: str, data: dict) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    body = urllib.parse.urlencode(data, doseq=True).encode()
    try:
        response = opener.open(base + ENQUIRY, body, timeout=20)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    return response.status, dict(response.headers), response.read()


@requires_postgresql
@pytest.mark.django_db(transaction=True)
def test_rate_limit_holds_across_two_server_processes(clean_cache):
    with (
        gunicorn(LEADS_RATE_LIMIT="5/10m") as first,
        gunicorn(LEADS_RATE_LIMIT="5/10m") as second,
    ):
        statuses = [
            post(base, form_data(email=f"reader{n}@example.com"))[0]
            for n, base in enumerate([first, second] * 3 + [first, second])
        ]
        status, headers, body = post(second, form_data())
    assert statuses[:5] == [303] * 5
    assert statuses[5:] == [429, 429, 429]
    assert status == 429
    assert Lead.objects.count() == 5
    assert 0 < int(headers["Retry-After"]) <= 600
    text = parse(body).find("main").get_text(" ", strip=True)
    assert "Please try again after" in text


@requires_postgresql
@pytest.mark.django_db(transaction=True)
@override_settings(LEADS_RATE_LIMIT="5/10m")
def test_simultaneous_attempts_never_share_a_count(clean_cache):
    start = threading.Barrier(20)

    def attempt(_):
        start.wait(timeout=30)
        try:
            return rate_limit_hit("203.0.113.9", now=1_000_000.0).allowed
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        verdicts = list(pool.map(attempt, range(20)))
    assert verdicts.count(True) == 5


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT="5/10m")
def test_an_attempt_is_counted_in_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        verdict = rate_limit_hit("203.0.113.9", now=1_000_000.0)
    assert verdict.allowed
    assert verdict.retry_at == 1_000_200.0
    assert RateCounter.objects.get().count == 1


@requires_postgresql
@pytest.mark.django_db
def test_counts_are_written_past_the_write_ahead_log_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            [RateCounter._meta.db_table],
        )
        assert cursor.fetchone() == ("u",)


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY)
def test_the_worker_forgets_ended_windows_and_keeps_the_current_one():
    assert rate_limit_hit("203.0.113.5", now=1_000_000.0).allowed
    assert rate_limit_hit("203.0.113.6").allowed
    assert "leads.prune_rate_counters" in [job.name for job in registered_jobs()]
    assert prune_rate_counters() == 1
    assert [
        key.split(":")[0] for key in RateCounter.objects.values_list("key", flat=True)
    ] == ["203.0.113.6"]
    # The current window still counts the attempt made before the pruning.
    assert rate_limit_hit("203.0.113.6").allowed
    assert not rate_limit_hit("203.0.113.6").allowed


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT="2/1m")
def test_429_page_says_when_to_try_again(client):
    for _ in range(2):
        assert client.post(ENQUIRY, form_data()).status_code == 303
    response = client.post(ENQUIRY, form_data())
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    text = parse(response).find("main").get_text(" ", strip=True)
    assert "at most 2 enquiries" in text
    assert "try again after" in text
    assert Lead.objects.count() == 2


def enquire(client, address: str, forwarded: str | None = None, **fields) -> int:
    meta = {"REMOTE_ADDR": address}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(ENQUIRY, form_data(**fields), **meta).status_code


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY)
def test_invalid_submissions_do_not_count(client):
    corrected = [enquire(client, "203.0.113.5", consent=None) for _ in range(4)]
    valid = [enquire(client, "203.0.113.5") for _ in range(3)]
    assert corrected == [400] * 4
    assert valid == [303, 303, 429]
    assert Lead.objects.count() == 2


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY)
def test_one_form_sent_three_times_counts_once(client):
    # A double click or a retried request makes one lead, and one count: the
    # count is written in the lead's transaction, which a repeated token ends.
    again = form_data()
    resent = [
        client.post(ENQUIRY, again, REMOTE_ADDR="203.0.113.5").status_code
        for _ in range(3)
    ]
    assert resent == [303, 303, 303]
    assert [enquire(client, "203.0.113.5") for _ in range(2)] == [303, 429]
    assert Lead.objects.count() == 2


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY)
def test_refused_reader_still_sees_the_errors_of_an_invalid_submission(client):
    assert [enquire(client, "203.0.113.5") for _ in range(3)] == [303, 303, 429]
    assert enquire(client, "203.0.113.5", email="not-an-address") == 400


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY)
def test_ipv6_addresses_in_one_64_share_a_limit(client):
    first = [enquire(client, "2001:db8:1:2::1") for _ in range(2)]
    assert first == [303, 303]
    assert enquire(client, "2001:db8:1:2:ffff:ee:dd:9") == 429
    assert enquire(client, "2001:db8:1:3::1") == 303


def test_rate_limit_key_is_the_ipv4_address_or_the_ipv6_64():
    assert rate_limit_key("203.0.113.5") == "203.0.113.5"
    assert rate_limit_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert rate_limit_key("2001:DB8:1:2::1") == "2001:db8:1:2::/64"


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY, TRUSTED_PROXIES=["10.0.0.1"])
def test_spoofed_forwarded_for_from_an_untrusted_peer_does_not_escape(client):
    assert [enquire(client, "203.0.113.5") for _ in range(2)] == [303, 303]
    spoofed = [
        enquire(client, "203.0.113.5", forwarded=f"198.51.100.{n}") for n in range(3)
    ]
    assert spoofed == [429, 429, 429]


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT=TWO_A_DAY, TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_a_trusted_proxy_two_clients_get_separate_limits(client):
    first = [enquire(client, "127.0.0.1", forwarded="203.0.113.5") for _ in range(3)]
    assert first == [303, 303, 429]
    assert enquire(client, "127.0.0.1", forwarded="203.0.113.6") == 303
    # What the client writes left of the proxy's own entry changes nothing.
    assert enquire(client, "127.0.0.1", forwarded="203.0.113.7, 203.0.113.5") == 429


@pytest.mark.django_db
@override_settings(LEADS_RATE_LIMIT="0")
def test_rate_limit_0_switches_it_off(client):
    statuses = {client.post(ENQUIRY, form_data()).status_code for _ in range(8)}
    assert statuses == {303}


@pytest.mark.parametrize(
    ("value", "count", "seconds"),
    [("5/10m", 5, 600), ("3/h", 3, 3600), ("100/30s", 100, 30)],
)
def test_rate_setting_is_parsed(value, count, seconds):
    rate = parse_rate(value)
    assert (rate.count, rate.seconds) == (count, seconds)


@pytest.mark.parametrize("value", ["five", "5/10y", "0/1m", ""])
def test_bad_rate_setting_is_a_clear_error(value):
    with pytest.raises(Exception, match="LEADS_RATE_LIMIT must look like 5/10m"):
        parse_rate(value)


def test_bad_rate_setting_fails_the_system_check():
    with override_settings(LEADS_RATE_LIMIT="lots"):
        errors = check_rate_limit(None)
    assert [error.id for error in errors] == ["leads.E001"]
    assert check_rate_limit(None) == []
