"""Leads per second accepted by the form through gunicorn on PostgreSQL.

Starts gunicorn on localhost against a scratch database (rate limit off,
notifications queued for a worker that is not running), posts valid forms
from a few client threads for a fixed time, then counts the stored leads.

    DEBUG=1 .venv/bin/python bench/leads_intake.py [--seconds 20] [--workers 3]
"""

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--db", default="btob_bench_intake")
    args = parser.parse_args()

    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *pg, "--if-exists", args.db], check=True)
    subprocess.run(["createdb", *pg, args.db], check=True)
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "LEADS_RATE_LIMIT": "0",
        "DJANGO_SETTINGS_MODULE": "btob.settings",
    }
    os.environ.update(env)
    python = Path(sys.executable)
    subprocess.run(
        [python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [python, "manage.py", "load_demo_content", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    import django

    django.setup()
    from articles.models import ArticlePage
    from leads.models import Lead
    from leads.tokens import form_token_issue

    source = ArticlePage.objects.first().pk
    port = free_port()
    server = subprocess.Popen(
        [
            python.with_name("gunicorn"),
            "btob.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/leads/enquiry/"
    opener = urllib.request.build_opener(NoRedirect)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt")  # noqa: S310
                break
            except urllib.error.URLError:
                time.sleep(0.2)
        counts = []
        errors = []
        deadline = time.monotonic() + args.seconds

        def client(number: int) -> None:
            sent = 0
            while time.monotonic() < deadline:
                data = {
                    "name": f"Bench reader {number}-{sent}",
                    "email": f"bench{number}-{sent}@example.com",
                    "message": "Copper offtake enquiry.",
                    "consent": "on",
                    "source_page": source,
                    "form_token": form_token_issue(issued_at=time.time() - 10),
                }
                body = urllib.parse.urlencode(data).encode()
                try:
                    opener.open(url, body, timeout=30)
                except urllib.error.HTTPError as error:
                    if error.code != 303:
                        errors.append(error.code)
                        continue
                sent += 1
            counts.append(sent)

        threads = [
            threading.Thread(target=client, args=(n,)) for n in range(args.clients)
        ]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
    finally:
        server.terminate()
        server.wait(timeout=10)
    stored = Lead.objects.exclude(status=Lead.Status.SPAM).count()
    print(
        f"{sum(counts)} accepted (303) in {elapsed:.1f} s with {args.workers} gunicorn "
        f"workers and {args.clients} clients: {sum(counts) / elapsed:.1f} leads/s; "
        f"{stored} stored, {len(errors)} errors"
    )


if __name__ == "__main__":
    main()
