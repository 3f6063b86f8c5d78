"""Lead intake against Wagtail's form builder, side by side through one gunicorn.

Starts gunicorn (DEBUG=0, PostgreSQL, production settings plus the bench-only
app bench/formbench: `wagtail.contrib.forms` and an AbstractForm page that
stores each submission and mails nothing) and posts, from a few client threads,
alternately to that form page and to our /leads/enquiry/, in rounds of a fixed
time. Then it counts what each stored: every accepted lead exactly once.

Both forms get what they need beforehand, untimed, as a browser has it by the
time a reader sends: each client GETs the Wagtail page once for Django's CSRF
cookie and token (reused for every post, as one browser session would), and
GETs one token per enquiry from /leads/form-token/ for ours, as
static/js/enquiry.js does on page load (each token makes one lead; the time
trap's three seconds pass before the clock starts). Only the POSTs are timed,
and every request of a round is built before its clock starts and sent as
bytes on a connection of its own (gunicorn's sync workers close each one): the
client's own work, the same for both forms, stays out of what is compared.
The rate limit stays on at its default (5 per 10 minutes per address): gunicorn
trusts the bench as a proxy (TRUSTED_PROXIES) and each enquiry comes from a
reader address of its own in X-Forwarded-For, as through the deploy/ nginx.

    .venv/bin/python bench/leads_intake.py [--rounds 3] [--seconds 10] [--workers 2]
"""

import argparse
import json
import os
import re
import secrets
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
SETTINGS = "bench.formbench.settings"
FORM_PATH = "/bench-form/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def raw_post(port: int, path: str, fields: dict, headers: dict) -> bytes:
    """A whole HTTP/1.1 POST, built ahead so that timing it measures the server."""
    body = urllib.parse.urlencode(fields).encode()
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return "\r\n".join(lines).encode() + b"\r\n\r\n" + body


def send(port: int, request: bytes) -> tuple[int, bytes]:
    """Send one request on a connection of its own; its status and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--db", default=f"btob_bench_intake_{os.getpid()}")
    args = parser.parse_args()

    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *pg, "--if-exists", args.db], check=True)
    subprocess.run(["createdb", *pg, args.db], check=True)
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
        "LEADS_RATE_LIMIT": "5/10m",
        "TRUSTED_PROXIES": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": SETTINGS,
    }
    os.environ.update(env)
    try:
        run(args, env)
    finally:
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", *pg, "--if-exists", args.db], check=True)


def run(args, env: dict) -> None:
    python = Path(sys.executable)
    for command in (
        ["migrate", "-v0"],
        ["load_demo_content", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
    ):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    import django

    django.setup()
    from wagtail.contrib.forms.models import FormSubmission

    from articles.models import ArticlePage, HomePage
    from bench.formbench.models import BenchFormField, BenchFormPage
    from leads.models import Lead
    from leads.tokens import MIN_FILL_SECONDS

    form_page = BenchFormPage(title="Bench enquiry", slug=FORM_PATH.strip("/"))
    for order, (label, field_type) in enumerate(
        [
            ("Name", "singleline"),
            ("Email", "email"),
            ("Message", "multiline"),
            ("Consent", "checkbox"),
        ]
    ):
        form_page.form_fields.add(
            BenchFormField(
                label=label, field_type=field_type, required=True, sort_order=order
            )
        )
    HomePage.objects.get().add_child(instance=form_page)
    form_page.save_revision().publish()
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
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/robots.txt")  # noqa: S310
                break
            except urllib.error.URLError:
                time.sleep(0.2)

        def wagtail_session() -> tuple[str, str]:
            """Django's CSRF cookie and form token, as a browser gets them."""
            with urllib.request.urlopen(f"{base}{FORM_PATH}") as response:  # noqa: S310
                cookie = response.headers["Set-Cookie"].split(";")[0]
                token = CSRF_INPUT.search(response.read().decode())[1]
            return cookie, token

        sessions = [wagtail_session() for _ in range(args.clients)]
        results = {"wagtail": [], "ours": []}
        errors = {"wagtail": [], "ours": []}

        def wagtail_requests(number: int, count: int) -> list[bytes]:
            cookie, token = sessions[number]
            start = len(results["wagtail"]) * 10_000
            return [
                raw_post(
                    port,
                    FORM_PATH,
                    {
                        "csrfmiddlewaretoken": token,
                        "name": f"Wagtail reader {number}-{start + sent}",
                        "email": f"wagtail{number}-{start + sent}@example.com",
                        "message": "Copper offtake enquiry.",
                        "consent": "on",
                    },
                    {"Cookie": cookie},
                )
                for sent in range(count)
            ]

        def our_requests(number: int, count: int) -> list[bytes]:
            requests = []
            for token in fetch_tokens(count):
                readers[number] += 1
                seq = readers[number]
                address = f"10.{number}.{seq // 250 % 250}.{seq % 250 + 1}"
                requests.append(
                    raw_post(
                        port,
                        "/leads/enquiry/",
                        {
                            "name": f"Bench reader {number}-{token[-12:]}",
                            "email": f"bench{number}-{seq}@example.com",
                            "message": "Copper offtake enquiry.",
                            "consent": "on",
                            "source_page": source,
                            "form_token": token,
                        },
                        {"X-Forwarded-For": address},
                    )
                )
            return requests

        def wagtail_accepted(status: int, body: bytes) -> str | None:
            if status != 200:
                return str(status)
            return None if b"Thank you" in body else "no thank-you page"

        def our_accepted(status: int, body: bytes) -> str | None:
            return None if status == 303 else str(status)

        def client(name, check, requests, deadline, counts) -> None:
            sent = 0
            for request in requests:
                if time.monotonic() >= deadline:
                    break
                status, body = send(port, request)
                problem = check(status, body)
                if problem:
                    errors[name].append(problem)
                    continue
                sent += 1
            counts.append(sent)

        def fetch_tokens(count: int) -> list[str]:
            fetched = []
            for _ in range(count):
                url = f"{base}/leads/form-token/"
                with urllib.request.urlopen(url) as response:  # noqa: S310
                    fetched.append(json.load(response)["token"])
            return fetched

        elapsed = {"wagtail": 0.0, "ours": 0.0}
        # Enough for 60 submissions a second per client: a client that runs
        # out stops early, and the round then times a short burst.
        per_client = int(60 * args.seconds)
        readers = [0] * args.clients
        for _ in range(args.rounds):
            # Every request of the round built before the clock starts, ours
            # with one token each (what enquiry.js fetches on page load).
            prepared = {
                "wagtail": [
                    wagtail_requests(n, per_client) for n in range(args.clients)
                ],
                "ours": [our_requests(n, per_client) for n in range(args.clients)],
            }
            time.sleep(MIN_FILL_SECONDS)
            for name, check in (("wagtail", wagtail_accepted), ("ours", our_accepted)):
                counts = []
                deadline = time.monotonic() + args.seconds
                threads = [
                    threading.Thread(
                        target=client,
                        args=(name, check, prepared[name][number], deadline, counts),
                    )
                    for number in range(args.clients)
                ]
                start = time.monotonic()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed[name] += time.monotonic() - start
                results[name].append(sum(counts))
                if min(counts) >= per_client:
                    raise SystemExit(
                        f"A client ran out of prepared {name} requests; "
                        "raise per_client."
                    )
                per_client = max(per_client, 2 * max(counts) + 20)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    stored_leads = Lead.objects.exclude(status=Lead.Status.SPAM).count()
    distinct_tokens = Lead.objects.values("submission_token").distinct().count()
    stored_submissions = FormSubmission.objects.filter(page=form_page).count()
    rates = {name: sum(results[name]) / elapsed[name] for name in results}
    print(
        f"gunicorn {args.workers} workers, {args.clients} clients, "
        f"{args.rounds} rounds of {args.seconds:g} s each, alternating"
    )
    print(
        f"wagtail.contrib.forms page: {sum(results['wagtail'])} accepted "
        f"(200 thank-you), {rates['wagtail']:.1f} submissions/s, "
        f"{len(errors['wagtail'])} errors, {stored_submissions} stored"
    )
    print(
        f"our /leads/enquiry/:        {sum(results['ours'])} accepted (303), "
        f"{rates['ours']:.1f} leads/s, {len(errors['ours'])} errors, "
        f"{stored_leads} stored ({distinct_tokens} distinct tokens)"
    )
    print(
        f"ratio ours / Wagtail's form builder: {rates['ours'] / rates['wagtail']:.2f}"
    )
    if stored_leads != sum(results["ours"]) or distinct_tokens != stored_leads:
        raise SystemExit("Leads stored do not match the enquiries accepted.")
    if stored_submissions != sum(results["wagtail"]):
        raise SystemExit("Form submissions stored do not match those accepted.")


if __name__ == "__main__":
    main()
