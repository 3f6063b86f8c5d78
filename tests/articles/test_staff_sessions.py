"""Staff sessions end on inactivity and at browser close, unless remembered."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from btob.middleware import SessionRefreshMiddleware
from tests.articles.test_security import run_manage
from tests.leads.builders import make_staff

PASSWORD = "correct-horse-battery"  # noqa: S105, the password make_staff sets

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return make_staff(django_user_model, "editor", is_superuser=True)


def log_in(client, url="/admin/login/", **extra):
    response = client.post(url, {"username": "editor", "password": PASSWORD, **extra})
    assert response.status_code == 302
    return response.cookies[settings.SESSION_COOKIE_NAME]


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


@pytest.mark.parametrize("url", ["/admin/login/", "/django-admin/login/"])
def test_a_session_cookie_ends_with_the_browser(client, staff, url):
    cookie = log_in(client, url)
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""


def last_restart_a_while_ago(client) -> None:
    """As if the session's period last restarted SESSION_REFRESH_SECONDS ago."""
    session = client.session
    session[SessionRefreshMiddleware.KEY] -= settings.SESSION_REFRESH_SECONDS
    session.save()


def test_remember_me_keeps_the_cookie_for_session_hours(client, staff):
    cookie = log_in(client, remember="on")
    assert cookie["max-age"] == settings.SESSION_HOURS * 3600
    # A request starts the period again, once the last restart is a minute old.
    last_restart_a_while_ago(client)
    cookie = client.get("/admin/").cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_HOURS * 3600


def test_each_request_restarts_the_inactivity_period(client, staff):
    log_in(client)
    last_restart_a_while_ago(client)
    row = session_row(client)
    row.expire_date = timezone.now() + timedelta(hours=1)
    row.save()
    assert client.get("/admin/").status_code == 200
    remaining = session_row(client).expire_date - timezone.now()
    assert remaining > timedelta(hours=settings.SESSION_HOURS, minutes=-1)


def test_requests_within_a_minute_of_a_restart_write_no_session(client, staff):
    log_in(client)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and not query["sql"].startswith("SELECT")
    ]
    assert writes == []


def test_a_reader_without_a_session_is_given_none(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


@pytest.mark.parametrize("remember", [{}, {"remember": "on"}])
def test_a_session_idle_longer_than_session_hours_is_logged_out(
    client, staff, remember
):
    log_in(client, **remember)
    # The last request was SESSION_HOURS and a minute ago.
    last_request = timezone.now() - timedelta(hours=settings.SESSION_HOURS, minutes=1)
    row = session_row(client)
    row.expire_date = last_request + timedelta(hours=settings.SESSION_HOURS)
    row.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_session_hours_come_from_the_environment():
    script = "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)"
    result = run_manage(
        "shell", "--no-imports", "-c", script, DEBUG="1", SESSION_HOURS="2"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7200"]
