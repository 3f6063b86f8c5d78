import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.builders import make_article

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
def test_admins_get_a_looser_policy_than_the_public_site(client):
    User.objects.create_superuser("admin", "a@example.com", "pw")
    client.login(username="admin", password="pw")
    for url in ("/admin/", "/django-admin/"):
        response = client.get(url)
        assert response.status_code == 200
        policy = directives(response["Content-Security-Policy"])
        assert "'unsafe-inline'" in policy["script-src"]


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


def deploy_check(https_only: str):
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS_ONLY=https_only,
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="btobservices.pk",
    )


def test_deploy_check_passes_with_production_settings():
    result = deploy_check(https_only="1")
    assert result.returncode == 0, result.stdout + result.stderr


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
