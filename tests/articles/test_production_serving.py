"""gunicorn with DEBUG=0 serves pages and hashed, compressed static files."""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection

from tests.builders import make_home

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, **headers) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@pytest.fixture
def production_server(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("a second process cannot share the in-memory SQLite test database")
    make_home()  # an earlier transactional test may have flushed Wagtail's roots
    call_command("load_demo_content", stdout=open(os.devnull, "w"))  # noqa: SIM115
    db = connection.settings_dict
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "HTTPS_ONLY", "REDIS_URL"}
    }
    env.update(
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "btob.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(port, "/robots.txt")
            break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail(f"gunicorn did not start: {server.stderr.read().decode()}")
    yield port
    server.terminate()
    server.wait(timeout=30)


def test_gunicorn_serves_article_and_compressed_hashed_static(production_server):
    port = production_server
    page = get(port, "/insights/us-interest-in-pakistans-minerals/")
    assert page.status == 200
    soup = BeautifulSoup(page.body, "html5lib")
    assert soup.h1.get_text(strip=True) == "U.S. Interest in Pakistan’s Minerals"
    stylesheet = soup.find("link", rel="stylesheet")["href"]
    assert stylesheet.startswith("/static/css/site.")
    assert stylesheet != "/static/css/site.css", "hashed by the manifest storage"

    css = get(port, stylesheet, **{"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.getheader("Content-Encoding") == "gzip"
    assert "immutable" in css.getheader("Cache-Control")

    missing = get(port, "/no-such-page/")
    assert missing.status == 404
    soup = BeautifulSoup(missing.body, "html5lib")
    assert soup.h1.get_text(strip=True) == "Page not found"

    foreign = get(port, "/", Host="attacker.example")
    assert foreign.status == 400
