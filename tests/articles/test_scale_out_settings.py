"""Settings for several app hosts: media on S3 and sessions in Redis."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from articles.checks import check_media_s3

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py with this environment, free of any media or AWS settings."""
    full_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "MEDIA_", "REDIS"))
        and key not in {"DEBUG", "SECRET_KEY", "HTTPS_ONLY", "ALLOWED_HOSTS"}
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


MEDIA_SCRIPT = (
    "from django.conf import settings; "
    "from django.core.files.storage import default_storage; "
    "print(default_storage.url('images/hero.fill-640x336.jpg')); "
    "print(settings.WAGTAILDOCS_SERVE_METHOD); "
    "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
)


def media_settings(**env: str) -> list[str]:
    result = run_manage("shell", "--no-imports", "-c", MEDIA_SCRIPT, DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()


def test_media_stay_on_local_disk_without_a_bucket():
    url, serve_method, img_src = media_settings()
    assert url == "/media/images/hero.fill-640x336.jpg"
    assert serve_method == "serve_view"
    assert img_src == "'self' data:"


def test_media_on_amazon_s3_have_fixed_addresses_in_the_buckets_region():
    url, serve_method, img_src = media_settings(
        MEDIA_S3_BUCKET="btob-media", AWS_DEFAULT_REGION="eu-west-1"
    )
    base = "https://btob-media.s3.eu-west-1.amazonaws.com/"
    assert url == f"{base}images/hero.fill-640x336.jpg"
    assert serve_method == "serve_view"
    assert img_src.split() == ["'self'", "data:", base]


def test_media_behind_a_cdn_are_addressed_by_its_domain():
    url, _, img_src = media_settings(
        MEDIA_S3_BUCKET="btob-media",
        MEDIA_S3_ENDPOINT_URL="https://s3.example.net",
        MEDIA_S3_CUSTOM_DOMAIN="media.btobservices.pk",
    )
    assert url == "https://media.btobservices.pk/images/hero.fill-640x336.jpg"
    assert img_src.split()[-1] == "https://media.btobservices.pk/"


def test_media_on_another_s3_store_are_addressed_by_path():
    url, _, _ = media_settings(
        MEDIA_S3_BUCKET="btob-media", MEDIA_S3_ENDPOINT_URL="https://s3.example.net/"
    )
    assert url == "https://s3.example.net/btob-media/images/hero.fill-640x336.jpg"


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    return run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        HTTPS_ONLY="1",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="btobservices.pk",
        **env,
    )


def test_deploy_check_passes_with_media_on_s3():
    result = deploy_check(
        MEDIA_S3_BUCKET="btob-media",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="example-secret",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_fails_on_half_configured_media_storage():
    result = deploy_check(MEDIA_S3_ENDPOINT_URL="https://s3.example.net")
    assert result.returncode != 0
    assert "articles.E003" in result.stderr
    assert "MEDIA_S3_BUCKET is not" in result.stderr


S3_SETTINGS = {
    "MEDIA_S3_BUCKET": "btob-media",
    "MEDIA_S3_ENDPOINT_URL": "",
    "MEDIA_S3_CUSTOM_DOMAIN": "",
    "MEDIA_S3_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "example-secret",
}


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({}, []),
        ({"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}, []),
        ({"MEDIA_S3_REGION": "", "MEDIA_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}, []),
        ({"MEDIA_S3_BUCKET": "", "MEDIA_S3_REGION": ""}, []),
        (
            {"MEDIA_S3_BUCKET": "", "MEDIA_S3_CUSTOM_DOMAIN": "media.example.com"},
            ["MEDIA_S3_CUSTOM_DOMAIN is set"],
        ),
        ({"MEDIA_S3_REGION": ""}, ["AWS_S3_REGION_NAME or AWS_DEFAULT_REGION"]),
        ({"AWS_SECRET_ACCESS_KEY": None}, ["must be set together"]),
        ({"MEDIA_S3_ENDPOINT_URL": "s3.example.net"}, ["MEDIA_S3_ENDPOINT_URL must"]),
        (
            {"MEDIA_S3_CUSTOM_DOMAIN": "https://media.example.com/"},
            ["MEDIA_S3_CUSTOM_DOMAIN must"],
        ),
    ],
    ids=[
        "complete",
        "host-role",
        "other-store",
        "local-disk",
        "domain-without-bucket",
        "no-region",
        "half-credentials",
        "endpoint-not-url",
        "domain-with-scheme",
    ],
)
def test_media_storage_check_names_what_is_missing(settings, overrides, names):
    for name, value in {**S3_SETTINGS, **overrides}.items():
        setattr(settings, name, value)
    errors = check_media_s3(None)
    assert [error.id for error in errors] == ["articles.E003"] * len(names)
    for error, expected in zip(errors, names, strict=True):
        assert expected in error.msg


# One session, created the way SessionMiddleware does, in an empty SQLite file
# given only the session table.
SESSION_SCRIPT = """
from importlib import import_module
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection

with connection.schema_editor() as editor:
    editor.create_model(Session)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store["editor"] = 1
store.create()
print(store.cache_key)
print(Session.objects.filter(session_key=store.session_key).count())
"""


def test_with_redis_sessions_are_kept_in_redis_and_the_database(tmp_path):
    env = {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": REDIS_URL,
    }
    result = run_manage("shell", "--no-imports", "-c", SESSION_SCRIPT, **env)
    assert result.returncode == 0, result.stderr
    cache_key, rows = result.stdout.split()
    server = redis.Redis.from_url(REDIS_URL)
    try:
        assert server.exists(f"btob:1:{cache_key}")
        assert rows == "1", "written through to the database"
    finally:
        server.delete(f"btob:1:{cache_key}")
