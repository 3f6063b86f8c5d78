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
trap's three seconds pass before the clock starts). Only the POSTs are timed.
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


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


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
    opener = urllib.request.build_opener(NoRedirect)
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

        def wagtail_client(number: int, deadline: float, counts: list) -> None:
            cookie, token = sessions[number]
            sent = 0
            while time.monotonic() < deadline:
                body = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": token,
                        "name": f"Wagtail reader {number}-{sent}",
                        "email": f"wagtail{number}-{sent}@example.com",
                        "message": "Copper offtake enquiry.",
                        "consent": "on",
                    }
                ).encode()
                request = urllib.request.Request(  # noqa: S310
                    f"{base}{FORM_PATH}", body, headers={"Cookie": cookie}
                )
                try:
                    with opener.open(request, timeout=30) as response:
                        page = response.read()
                    if b"Thank you" not in page:
                        errors["wagtail"].append("no thank-you page")
                        continue
                except urllib.error.HTTPError as error:
                    errors["wagtail"].append(error.code)
                    continue
                sent += 1
            counts.append(sent)

        def our_client(number: int, deadline: float, counts: list) -> None:
            sent = 0
            while time.monotonic() < deadline and tokens[number]:
                token = tokens[number].pop()
                body = urllib.parse.urlencode(
                    {
                        "name": f"Bench reader {number}-{token[-12:]}",
                        "email": f"bench{number}-{sent}@example.com",
                        "message": "Copper offtake enquiry.",
                        "consent": "on",
                        "source_page": source,
                        "form_token": token,
                    }
                ).encode()
                readers[number] += 1
                seq = readers[number]
                address = f"10.{number}.{seq // 250 % 250}.{seq % 250 + 1}"
                request = urllib.request.Request(  # noqa: S310
                    f"{base}/leads/enquiry/",
                    body,
                    headers={"X-Forwarded-For": address},
                )
                try:
                    opener.open(request, timeout=30)
                except urllib.error.HTTPError as error:
                    if error.code != 303:
                        errors["ours"].append(error.code)
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
        # Enough for 40 enquiries a second per client: a client that runs
        # out stops early, and the round then times a short burst.
        per_client = int(40 * args.seconds)
        readers = [0] * args.clients
        for _ in range(args.rounds):
            # One token per enquiry, fetched before the clock starts: twice
            # what a client sent in the last round, and a margin.
            tokens = [fetch_tokens(per_client) for _ in range(args.clients)]
            time.sleep(MIN_FILL_SECONDS)
            for name, client in (("wagtail", wagtail_client), ("ours", our_client)):
                counts = []
                deadline = time.monotonic() + args.seconds
                threads = [
                    threading.Thread(target=client, args=(number, deadline, counts))
                    for number in range(args.clients)
                ]
                start = time.monotonic()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                elapsed[name] += time.monotonic() - start
                results[name].append(sum(counts))
                if name == "ours":
                    per_client = 2 * max(counts) + 20
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
