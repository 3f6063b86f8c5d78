"""The login lockout on both admin logins: per username and client address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.conf import settings

from tests.articles.test_security import run_manage
from tests.leads.builders import make_staff

LOGIN_URLS = ["/admin/login/", "/django-admin/login/"]
PASSWORD = "correct-horse-battery"  # noqa: S105, the password make_staff sets
WRONG = "not the password"  # noqa: S105
CLIENT = "203.0.113.5"
OTHER_CLIENT = "198.51.100.7"
PROXY = "10.0.0.2"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Each test checks a dozen passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff(django_user_model):
    return make_staff(django_user_model, "editor", is_superuser=True)


def attempt(client, url, username, password, address=CLIENT, **headers):
    client.logout()
    return client.post(
        url,
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, url, times, username="editor", address=CLIENT, **headers):
    for _ in range(times):
        attempt(client, url, username, WRONG, address, **headers)
        assert not logged_in(client)


def lockout_page(response) -> BeautifulSoup:
    assert response.status_code == 429
    return BeautifulSoup(response.content, "html5lib")


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_the_right_password_logs_in_below_the_failure_limit(client, staff, url):
    fail(client, url, settings.LOGIN_FAILURE_LIMIT - 1)
    response = attempt(client, url, "editor", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_the_right_password_is_refused_after_the_failure_limit(client, staff, url):
    fail(client, url, settings.LOGIN_FAILURE_LIMIT)
    response = attempt(client, url, "editor", PASSWORD)
    assert not logged_in(client)
    page = lockout_page(response)
    assert page.h1.get_text() == "Login locked"
    assert (
        page.find(id="lockout-retry")
        .get_text()
        .startswith(f"Try again in {settings.LOGIN_LOCKOUT_MINUTES} minutes.")
    )
    assert "“editor”" in page.find(id="lockout-reason").get_text()


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_a_lockout_leaves_other_usernames_from_that_address_alone(
    client, django_user_model, staff, url
):
    make_staff(django_user_model, "sales", is_superuser=True)
    fail(client, url, settings.LOGIN_FAILURE_LIMIT)
    attempt(client, url, "sales", PASSWORD)
    assert logged_in(client)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_a_lockout_leaves_the_username_alone_from_other_addresses(client, staff, url):
    fail(client, url, settings.LOGIN_FAILURE_LIMIT)
    attempt(client, url, "editor", PASSWORD, address=OTHER_CLIENT)
    assert logged_in(client)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_a_forged_forwarded_for_from_an_untrusted_peer_changes_no_address(
    client, staff, settings, url
):
    settings.TRUSTED_PROXIES = [PROXY]
    for number in range(settings.LOGIN_FAILURE_LIMIT):
        attempt(client, url, "editor", WRONG, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = attempt(
        client, url, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )
    lockout_page(response)
    assert not logged_in(client)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(
    client, staff, settings, url
):
    settings.TRUSTED_PROXIES = [PROXY]
    fail(
        client,
        url,
        settings.LOGIN_FAILURE_LIMIT,
        address=PROXY,
        HTTP_X_FORWARDED_FOR=CLIENT,
    )
    locked = attempt(
        client, url, "editor", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=CLIENT
    )
    lockout_page(locked)
    attempt(
        client,
        url,
        "editor",
        PASSWORD,
        address=PROXY,
        HTTP_X_FORWARDED_FOR=OTHER_CLIENT,
    )
    assert logged_in(client)


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_the_username_logs_in_again_once_the_lockout_has_passed(client, staff, url):
    fail(client, url, settings.LOGIN_FAILURE_LIMIT)
    lockout_page(attempt(client, url, "editor", PASSWORD))
    # The lockout runs from the last attempt: move it to just past the period.
    passed = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    attempt_row = AccessAttempt.objects.get(username="editor", ip_address=CLIENT)
    attempt_row.attempt_time -= passed
    attempt_row.save()
    attempt(client, url, "editor", PASSWORD)
    assert logged_in(client)


def test_a_superuser_sees_and_clears_a_lockout_in_the_django_admin(
    client, django_user_model, staff
):
    fail(client, "/admin/login/", settings.LOGIN_FAILURE_LIMIT)
    admin = make_staff(django_user_model, "boss", is_superuser=True)
    client.force_login(admin)
    listing = client.get("/django-admin/axes/accessattempt/")
    assert listing.status_code == 200
    rows = BeautifulSoup(listing.content, "html5lib").select("#result_list tbody tr")
    assert len(rows) == 1
    assert "editor" in rows[0].get_text()
    assert "Locked Out" in rows[0].get_text()

    attempt_id = AccessAttempt.objects.get(username="editor").pk
    response = client.post(
        "/django-admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt_id], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    attempt(client, "/admin/login/", "editor", PASSWORD)
    assert logged_in(client)


def test_sales_staff_cannot_see_lockouts(client, django_user_model):
    sales = make_staff(django_user_model, "sales", "Sales")
    client.force_login(sales)
    response = client.get("/django-admin/axes/accessattempt/")
    assert response.status_code == 403


def test_failure_limit_and_lockout_period_come_from_the_environment():
    script = (
        "from django.conf import settings; "
        "print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds())"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        DEBUG="1",
        LOGIN_FAILURE_LIMIT="3",
        LOGIN_LOCKOUT_MINUTES="7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "420.0"]
