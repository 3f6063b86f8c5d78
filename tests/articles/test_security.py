import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import make_article
from tests.leads.builders import make_lead

ROOT = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_public_pages_send_strict_security_headers(client):
    page = make_article()
    response = client.get(page.url)
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_django_admin_allows_neither_inline_script_nor_eval(client, admin_user):
    lead = make_lead()
    responses = [client.get("/django-admin/login/")]
    client.force_login(admin_user)
    for url in ("/django-admin/", f"/django-admin/leads/lead/{lead.pk}/change/"):
        responses.append(client.get(url))
    for response in responses:
        url = response.request["PATH_INFO"]
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["frame-ancestors"] == ["'none'"], url


@pytest.mark.django_db
def test_wagtail_admin_allows_inline_script_but_never_eval(client, admin_user):
    client.force_login(admin_user)
    article = make_article()
    for url in ("/admin/login/", "/admin/", f"/admin/pages/{article.pk}/edit/"):
        response = client.get(url, follow=url == "/admin/login/")
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'", "'unsafe-inline'"], url
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], url
        assert policy["frame-ancestors"] == ["'self'"], url


@pytest.mark.django_db
def test_wagtail_previews_keep_the_public_policy_in_a_same_origin_frame(
    client, admin_user
):
    client.force_login(admin_user)
    article = make_article()
    response = client.get(f"/admin/pages/{article.pk}/view_draft/")
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]


def permissions_policy(response) -> dict[str, str]:
    return dict(
        feature.strip().split("=", 1)
        for feature in response["Permissions-Policy"].split(",")
    )


@pytest.mark.django_db
def test_every_response_switches_off_unused_browser_features(client, admin_user):
    article = make_article()
    responses = [client.get(article.url), client.get("/no-such-page/")]
    client.force_login(admin_user)
    responses += [client.get("/admin/"), client.get("/django-admin/")]
    for response in responses:
        features = permissions_policy(response)
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", (response.request["PATH_INFO"], feature)
        assert features["browsing-topics"] == "()"


@pytest.mark.django_db
def test_foreign_host_header_is_rejected(client):
    page = make_article()
    response = client.get(page.url, HTTP_HOST="evil.example.com")
    assert response.status_code == 400


def run_manage(*args, **env):
    full_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "HTTPS_ONLY", "ALLOWED_HOSTS"}
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def deploy_check(https_only: str, **env):
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS_ONLY=https_only,
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="btobservices.pk",
        **env,
    )


def test_deploy_check_passes_with_production_settings():
    result = deploy_check(https_only="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_passes_with_both_hsts_opt_ins():
    result = deploy_check(https_only="1", HSTS_PRELOAD="1", HSTS_INCLUDE_SUBDOMAINS="1")
    assert result.returncode == 0, result.stdout + result.stderr


# The header Django's SecurityMiddleware sends on an HTTPS response, with the
# settings a production process reads from this environment.
HSTS_SCRIPT = (
    "from django.http import HttpResponse; "
    "from django.middleware.security import SecurityMiddleware; "
    "from django.test import RequestFactory; "
    "request = RequestFactory().get('/', secure=True); "
    "response = SecurityMiddleware(lambda request: HttpResponse())(request); "
    "print(response['Strict-Transport-Security'])"
)


def hsts_header(**env) -> str:
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        HSTS_SCRIPT,
        DEBUG="0",
        HTTPS_ONLY="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="btobservices.pk",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_hsts_covers_only_this_host_and_is_not_preloaded_by_default():
    assert hsts_header() == "max-age=31536000"


def test_hsts_preload_and_subdomains_are_each_an_opt_in():
    assert hsts_header(HSTS_PRELOAD="1") == "max-age=31536000; preload"
    assert (
        hsts_header(HSTS_INCLUDE_SUBDOMAINS="1")
        == "max-age=31536000; includeSubDomains"
    )


def test_deploy_check_fails_when_https_is_switched_off():
    result = deploy_check(https_only="0")
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_refuses_to_start_without_secret_key_in_one_sentence():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "SECRET_KEY must be set" in result.stderr


def test_redis_url_switches_the_shared_cache_to_redis():
    import redis

    server = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    server.delete("btob:1:redis-probe")
    script = (
        "from django.core.cache import caches; "
        "caches['default'].set('redis-probe', 'ok', 30); "
        "print(type(caches['default']).__name__)"
    )
    result = run_manage(
        "shell", "-c", script, DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/15"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "RedisCache"
    assert server.exists("btob:1:redis-probe")
    server.delete("btob:1:redis-probe")
