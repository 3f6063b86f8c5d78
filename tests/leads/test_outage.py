"""Acceptance (issue 8): no lead is lost while PostgreSQL is really stopped.

A private PostgreSQL cluster, started and stopped by the test, serves gunicorn
(two workers) and `manage.py db_worker`, which both keep running through the
outage. The test starts its own cluster, so it runs the same whichever database
the rest of the suite uses.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from bs4 import BeautifulSoup

from leads.tokens import form_token_read
from tests.leads.servers import ROOT, gunicorn
from tests.leads.smtp import free_port, smtp_server
from tests.leads.test_rate_limit import post
from tests.processes import started

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
SUBMISSIONS = 20
NOTIFY = "sales@btobservices.pk"
# Shortened for the test: the worker's spool job runs every 5 s, not every 30.
REPLAY_SECONDS = "5"
REPLAY_DEADLINE = 60


@pytest.fixture(scope="module")
def pg_bin() -> Path:
    if not PG_BINS:
        reason = "needs PostgreSQL's initdb (Debian's postgresql package)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the outage test: {reason}")
        pytest.skip(reason)
    return PG_BINS[-1].parent


class Cluster:
    """A PostgreSQL cluster of its own, run as the postgres user under root."""

    def __init__(self, bin_dir: Path, root: Path):
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/btob"

    def run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "btob")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "postgres.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def query(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=3) as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture
def cluster(pg_bin):
    root = Path(tempfile.mkdtemp(prefix="btob-outage-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    root.chmod(0o700)
    cluster = Cluster(pg_bin, root)
    try:
        cluster.init()
        yield cluster
    finally:
        try:
            cluster.stop("immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(root, ignore_errors=True)


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        pytest.fail(f"manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout


PAGES = """
from articles.models import ArticlePage
from leads.models import ThankYouPage
print(ThankYouPage.objects.live().get().url, ArticlePage.objects.live().first().url)
"""


def worker(env: dict, log: Path):
    return started(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
        log=log,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds} s")
        time.sleep(0.5)


def form_tokens(base: str, path: str) -> list[str]:
    """Each reader loads the page, and its script fetches the form's token."""
    tokens = []
    for _ in range(SUBMISSIONS):
        with urllib.request.urlopen(base + path, timeout=20) as response:  # noqa: S310
            html = response.read()
        form = BeautifulSoup(html, "html5lib").select_one("form.lead-form")
        token_url = base + form["data-token-url"]
        with urllib.request.urlopen(token_url, timeout=20) as response:  # noqa: S310
            tokens.append(json.loads(response.read())["token"])
    return tokens


def heading(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310
        return BeautifulSoup(response.read(), "html5lib").h1.get_text(strip=True)


def leads_saved(cluster: Cluster) -> tuple[int, int]:
    try:
        ((count, distinct),) = cluster.query(
            "SELECT count(*), count(DISTINCT submission_token) FROM leads_lead"
        )
    except psycopg.OperationalError:
        return 0, 0
    return count, distinct


def test_twenty_enquiries_during_an_outage_are_saved_once_and_notified(
    cluster, tmp_path
):
    spool = tmp_path / "spool"
    smtp_port = free_port()
    env = {
        "DEBUG": "1",
        "DATABASE_URL": cluster.url,
        "LEADS_SPOOL_DIR": str(spool),
        "LEADS_SPOOL_REPLAY_SECONDS": REPLAY_SECONDS,
        "LEADS_NOTIFY_EMAILS": NOTIFY,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
    }
    manage("migrate", "--no-input", "-v0", env=env)
    manage("load_demo_content", env=env)
    thank_you, article = manage("shell", "-c", PAGES, env=env).split()[-2:]
    with (
        smtp_server(smtp_port) as inbox,
        gunicorn(workers=2, DB_CONN_MAX_AGE="60", **env) as base,
        worker(env, tmp_path / "worker.log") as db_worker,
    ):
        # The worker's spool job keeps this host's copy of what the form needs.
        wait_for(
            lambda: (spool / "offline.json").exists(),
            seconds=30,
            what="the worker's first spool job",
        )
        tokens = form_tokens(base, article)
        thanks = heading(base + thank_you)
        time.sleep(3.5)  # past the form's time trap: these are readers, not bots
        cluster.stop()
        answers = [
            post(
                base,
                {
                    "name": f"Reader {number}",
                    "email": f"reader{number}@example.com",
                    "company": "Indus Capital",
                    "message": "We would like to discuss copper offtake.",
                    "consent": "on",
                    "form_token": token,
                },
            )
            for number, token in enumerate(tokens)
        ]
        assert [status for status, _, _ in answers] == [303] * SUBMISSIONS
        assert {headers["Location"] for _, headers, _ in answers} == {thank_you}
        assert heading(base + thank_you) == thanks  # from this host's copy
        spooled = (spool / "spool.jsonl").read_text().splitlines()
        assert len(spooled) == SUBMISSIONS
        time.sleep(2)  # the worker meets the outage too
        cluster.start()
        restarted = time.monotonic()
        wait_for(
            lambda: leads_saved(cluster) == (SUBMISSIONS, SUBMISSIONS),
            seconds=REPLAY_DEADLINE,
            what=f"{SUBMISSIONS} leads saved after the database came back",
        )
        replay_seconds = time.monotonic() - restarted
        wait_for(
            lambda: len(inbox.messages) >= SUBMISSIONS,
            seconds=REPLAY_DEADLINE,
            what=f"{SUBMISSIONS} notifications delivered",
        )
        time.sleep(2)  # a duplicate would arrive now
        assert db_worker.poll() is None, "the worker exited during the outage"
    print(f"\nleads saved {replay_seconds:.1f} s after the database restarted")  # noqa: T201
    saved = {
        token for (token,) in cluster.query("SELECT submission_token FROM leads_lead")
    }
    assert saved == {form_token_read(token).nonce for token in tokens}
    assert len(inbox.messages) == SUBMISSIONS
    subjects = sorted(message["Subject"] for _, message in inbox.messages)
    assert subjects == sorted(
        f"New enquiry from Reader {number} (Indus Capital)"
        for number in range(SUBMISSIONS)
    )
