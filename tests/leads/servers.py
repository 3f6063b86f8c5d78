"""A real gunicorn serving the project on localhost, for multi-process tests."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.leads.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# A test database in SQLite lives in memory, out of other processes' reach.
requires_postgresql = pytest.mark.skipif(
    not on_postgresql(), reason="needs DATABASE_URL on PostgreSQL, as in CI"
)


def database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@contextmanager
def gunicorn(*, workers: int = 1, boot_seconds: float = 30, **env):
    """Yield the base URL of a gunicorn bound to a free localhost port."""
    port = free_port()
    environment = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        **env,
    }
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "btob.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            # Several may run at once: no shared ~/.gunicorn control socket.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=environment,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + boot_seconds
        while True:
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=2)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            # A slow machine: stop it anyway, without hiding the test's own error.
            process.kill()
            process.wait(timeout=10)
