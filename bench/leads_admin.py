"""Time the lead list in the Django admin with 100,000 leads.

Creates (or, with --reuse, keeps) a scratch PostgreSQL database, fills it with
leads by bulk_create, then requests /django-admin/leads/lead/ (list, filters,
search) through Django's test client as a superuser and prints the median warm
time of each, next to Django's own user list (six users) timed in the same
run: on a shared machine the ratio says more than the milliseconds, and so
does the process's own CPU time (time.process_time) beside the wall time.
Settings are production's (DEBUG=0, the manifest static storage, collected
into a temporary folder): the timed requests record no queries; one more
request per page counts them and sums their SQL time.
Then exports every lead as CSV through the admin action (select all), times
the Python writer (SQLite's path) over the same leads for comparison, and
compares the memory the export holds at its peak (tracemalloc) for the first
10% of the leads and for all of them.

    .venv/bin/python bench/leads_admin.py [--leads N] [--db NAME] [--reuse]
"""

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = "/django-admin/leads/lead/"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--db", default="btob_bench_leads")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the database a run filled."
    )
    args = parser.parse_args()

    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    exists = subprocess.run(
        ["psql", *pg, "-lqtA"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    exists = any(line.split("|")[0] == args.db for line in exists.splitlines())
    fill = not (args.reuse and exists)
    if fill:
        subprocess.run(["dropdb", *pg, "--if-exists", args.db], check=True)
        subprocess.run(["createdb", *pg, args.db], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    # Production's settings: with DEBUG=1 Django would keep every query.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["HTTPS_ONLY"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "btob.settings"

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from articles.models import ArticlePage, Mineral
    from leads.models import Lead

    static_root = tempfile.TemporaryDirectory(prefix="btob-bench-static-")
    override_settings(ALLOWED_HOSTS=["*"], STATIC_ROOT=static_root.name).enable()
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    User = get_user_model()
    if not fill:
        admin = User.objects.get(username="bench")
        time_pages(args, admin, list(Mineral.objects.all()))
        return
    call_command("load_demo_content", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    admin = User.objects.create_superuser("bench", "bench@example.com", "bench-pass-1")
    owners = [admin] + [
        User.objects.create_user(f"sales{n}", is_staff=True) for n in range(5)
    ]
    minerals = list(Mineral.objects.all())
    article = ArticlePage.objects.first()

    rng = random.Random(42)
    now = timezone.now()
    start = time.perf_counter()
    statuses = [choice for choice, _ in Lead.Status.choices]
    leads = [
        Lead(
            name=f"Reader {n}",
            email=f"reader{n % 40_000}@example.com",
            company=f"Company {n % 5000}",
            country=rng.choice(["Pakistan", "UAE", "China", "UK", "USA", "Canada"]),
            message="Interested in copper and gold offtake, please call." * 2,
            investor_type=rng.choice(Lead.InvestorType.values),
            status=rng.choice(statuses),
            owner=rng.choice(owners + [None] * 3),
            source_page=article if n % 3 else None,
            source_title=article.title if n % 3 else "",
            source_url="https://btobservices.pk/insights/x/" if n % 3 else "",
            consent=True,
            created_at=now - timedelta(minutes=n * 5),
            submission_token=f"bench-{n}",
        )
        for n in range(args.leads)
    ]
    created = Lead.objects.bulk_create(leads, batch_size=5000)
    through = Lead.minerals.through
    through.objects.bulk_create(
        [
            through(lead_id=lead.pk, mineral_id=mineral.pk)
            for lead in created
            for mineral in rng.sample(minerals, rng.randint(0, 2))
        ],
        batch_size=10_000,
    )
    with connection.cursor() as cursor:
        # As autovacuum would: index-only scans need the visibility map.
        cursor.execute("VACUUM ANALYZE")
    print(
        f"Filled {Lead.objects.count():,} leads in {time.perf_counter() - start:.1f} s"
    )
    time_pages(args, admin, minerals)


def time_pages(args, admin, minerals) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(admin)
    owner = admin.owned_leads.model.objects.filter(owner__isnull=False).first().owner
    urls = {
        "reference: user list": "/django-admin/auth/user/",
        "list": LIST,
        "filter status": f"{LIST}?status__exact=qualified",
        "filter mineral": f"{LIST}?minerals__id__exact={minerals[0].pk}",
        "filter owner": f"{LIST}?owner__id__exact={owner.pk}",
        "search email": f"{LIST}?q=reader123%40example.com",
        "search word": f"{LIST}?q=Company+4321",
        "page 500": f"{LIST}?p=500",
    }
    reference = None
    for label, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)  # warm up, and count the queries
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        # Read now: the next request empties the connection's query log.
        count = len(queries)
        sql = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        timings, cpu = [], []
        for _ in range(args.runs):
            begin, begin_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - begin) * 1000)
            cpu.append((time.process_time() - begin_cpu) * 1000)
        median = statistics.median(timings)
        reference = reference or median
        print(
            f"{label:21} median {median:6.1f} ms (CPU {statistics.median(cpu):5.1f} "
            f"ms, SQL {sql:5.1f} ms)  min {min(timings):6.1f} ms  "
            f"{count:2} queries  {median / reference:4.2f}x the user list"
        )
    time_export(client)


def time_export(client) -> None:
    import resource
    import tracemalloc

    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from leads.csv_export import _lines_from_python
    from leads.models import Lead

    first = Lead.objects.order_by("pk").values_list("pk", flat=True).first()
    data = {"action": "export_csv", "select_across": "1", "index": "0"}
    begin, begin_cpu = time.perf_counter(), time.process_time()
    response = client.post(LIST, {**data, "_selected_action": [first]})
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
    print(
        f"CSV export of every lead through the admin action: {elapsed:.2f} s "
        f"(CPU {cpu:.2f} s), "
        f"{lines - 1:,} rows, {size / 1e6:.1f} MB, streamed "
        f"({type(response).__name__})"
    )
    begin, begin_cpu = time.perf_counter(), time.process_time()
    size = sum(len(chunk.encode()) for chunk in _lines_from_python(Lead.objects.all()))
    elapsed, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
    print(
        f"  the Python writer over the same leads: {elapsed:.2f} s (CPU {cpu:.2f} s), "
        f"{size / 1e6:.1f} MB"
    )
    model_admin = site._registry[Lead]
    request = RequestFactory().post(LIST)
    total = Lead.objects.count()
    peaks = {}
    for rows in (total // 10, total):
        queryset = Lead.objects.filter(pk__lt=first + rows)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        response = model_admin.export_csv(request, queryset)
        for _ in response.streaming_content:
            pass
        peaks[rows] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        print(
            f"  {rows:>7,} rows: peak traced memory {peaks[rows] / 1e6:5.1f} MB, "
            f"peak RSS grew {rss_growth / 1024:5.1f} MB"
        )
    small, large = peaks[total // 10], peaks[total]
    print(f"  peak memory for 10x the rows: {large / small:.2f}x")


if __name__ == "__main__":
    main()
