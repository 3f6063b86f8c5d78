"""The view beacon against the article page, and the Article performance report.

1. Requests per second through gunicorn (DEBUG=0), same run, alternating
   rounds with wrk: the article page (served from the page cache) and the
   beacon a reader's script posts (`POST /stats/<id>/view`, counted: a browser
   user agent). Target: beacon >= 5x the article page. Afterwards the stored
   count is compared with the requests wrk completed: nothing lost or doubled.
   For reference, the same beacon with `DNT: 1` (answered, not counted).
2. The Article performance report (`/admin/reports/article-performance/`,
   rendered in full through Django's test client, as a user who sees won
   value) over 1,000 articles, 100,000 leads and a year of daily counts per
   article (365,000 rows). Target: <= 300 ms.

    .venv/bin/python bench/funnel_bench.py [--rounds 3] [--seconds 10] [--redis]
        [--skip-beacon | --skip-report]

Both use a scratch PostgreSQL database, dropped at the end; with --redis the
beacon counts in a private redis-server, as production with REDIS_URL does.
Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

import argparse
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.article_rps import ARTICLE, PG, ROOT, free_port, wait_for  # noqa: E402

READER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def wrk(port: int, path: str, seconds: int, connections: int, script=None, *headers):
    """Requests per second and requests completed."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}"]
    command += [f"-d{seconds}s", "-H", "Host: 127.0.0.1", "-H", f"User-Agent: {READER}"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    if "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        raise SystemExit(f"errors under load:\n{result.stdout}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    done = int(re.search(r"(\d+) requests in", result.stdout).group(1))
    return rps, done


def django_shell(env: dict, code: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def beacon_bench(args, env: dict, workdir: Path) -> None:
    page_id = django_shell(
        env,
        "from wagtail.models import Page; "
        f"print(Page.objects.get(url_path__endswith='{ARTICLE}').pk)",
    )
    beacon = f"/stats/{page_id}/view"
    script = workdir / "post.lua"
    script.write_text('wrk.method = "POST"\n')
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "btob.wsgi:application", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(args.workers), "--no-control-socket"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, ARTICLE, timeout=180)
        wrk(port, ARTICLE, 2, args.connections)  # warm the page cache
        article_rps, beacon_rps, uncounted_rps, posted = [], [], [], 0
        for _ in range(args.rounds):
            article_rps.append(wrk(port, ARTICLE, args.seconds, args.connections)[0])
            rps, done = wrk(port, beacon, args.seconds, args.connections, script)
            beacon_rps.append(rps)
            posted += done
            # The same beacon from a reader who is not counted: its cost without
            # the increment, the ceiling of the counted one.
            uncounted_rps.append(
                wrk(port, beacon, args.seconds, args.connections, script, "DNT: 1")[0]
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.redis:
        django_shell(env, "from articles.page_stats import redis_flush; redis_flush()")
    stored = django_shell(
        env,
        "from django.db.models import Sum; from articles.models import "
        "PageDailyCount as C; print(C.objects.aggregate(s=Sum('views'))['s'] or 0)",
    )
    article, beacon_median = (
        statistics.median(article_rps),
        statistics.median(beacon_rps),
    )
    print(
        f"wrk, {args.connections} connections, {args.rounds} alternating rounds "
        f"of {args.seconds} s; gunicorn {args.workers} sync workers; counter: "
        f"{'Redis HINCRBY' if args.redis else 'PostgreSQL upsert'}"
    )
    rounds = ", ".join(f"{r:,.0f}" for r in article_rps)
    print(f"article page (page cache): {article:,.0f} req/s (rounds: {rounds})")
    rounds = ", ".join(f"{r:,.0f}" for r in beacon_rps)
    print(f"view beacon (POST):        {beacon_median:,.0f} req/s (rounds: {rounds})")
    print(f"ratio beacon / article: {beacon_median / article:.1f} (target >= 5)")
    uncounted = statistics.median(uncounted_rps)
    rounds = ", ".join(f"{r:,.0f}" for r in uncounted_rps)
    print(f"beacon not counted (DNT):  {uncounted:,.0f} req/s (rounds: {rounds})")
    print(f"ratio not counted / article: {uncounted / article:.1f}")
    print(
        f"views stored: {int(stored):,}; beacon requests wrk completed: {posted:,} "
        "(wrk may drop replies still in flight when a round ends)"
    )


REPORT_CODE = r"""
import random, statistics, time
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.test import Client
from django.utils import timezone
from wagtail.models import Page
from articles.models import ArticleIndexPage, ArticlePage, Mineral, PageDailyCount
from leads.models import Lead

rng = random.Random(10)
index = ArticleIndexPage.objects.first()
minerals = list(Mineral.objects.all())
template = ArticlePage.objects.child_of(index).first()
last = index.get_last_child()
start = time.monotonic()
now = timezone.now()
new = 1000 - ArticlePage.objects.count()
# The articles in bulk (add_child, one at a time, takes minutes): their Page rows
# at the tree paths treebeard would give them, then their ArticlePage rows as
# copies of a demo article's, in one statement.
first_step = last._get_lastpos_in_path() + 1
kind = ContentType.objects.get_for_model(ArticlePage)
pages = Page.objects.bulk_create(
    (Page(path=Page._get_path(index.path, index.depth + 1, first_step + n),
          depth=index.depth + 1, numchild=0, title=f"Bench article {n}",
          draft_title=f"Bench article {n}", slug=f"bench-article-{n}",
          url_path=f"{index.url_path}bench-article-{n}/", content_type=kind,
          locale_id=index.locale_id, live=True, first_published_at=now,
          last_published_at=now)
     for n in range(new)), batch_size=500)
Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + new)
new_ids = [page.pk for page in pages]
table = ArticlePage._meta.db_table
columns = [f.column for f in ArticlePage._meta.local_concrete_fields
           if f.column != "page_ptr_id"]
with connection.cursor() as cursor:
    cursor.execute(
        f"INSERT INTO {table} (page_ptr_id, {', '.join(columns)}) "
        f"SELECT new.id, {', '.join(f't.{c}' for c in columns)} "
        f"FROM {table} t, unnest(%s::integer[]) AS new(id) WHERE t.page_ptr_id = %s",
        [new_ids, template.pk])
through = ArticlePage.minerals.through
through.objects.bulk_create(
    through(articlepage_id=pk, mineral_id=mineral.pk) for pk in new_ids
    for mineral in rng.sample(minerals, k=min(len(minerals), rng.randint(0, 2))))
ids = list(ArticlePage.objects.values_list("pk", flat=True))
assert len(ids) == 1000 and Page.find_problems() == ([], [], [], [], [])
today = timezone.localdate()
PageDailyCount.objects.all().delete()
# A year of daily counts per article, generated by PostgreSQL.
with connection.cursor() as cursor:
    cursor.execute("SELECT setseed(0.1)")
    cursor.execute(
        f"INSERT INTO {PageDailyCount._meta.db_table} "
        "(page_id, day, views, form_starts) "
        "SELECT page.id, %s::date - day, floor(random() * 401), floor(random() * 21) "
        "FROM unnest(%s::integer[]) AS page(id), generate_series(0, 364) AS day",
        [today, ids])
statuses = ["new"] * 50 + ["contacted"] * 20 + ["qualified"] * 10 + ["won"] * 5
statuses += ["lost"] * 10 + ["spam"] * 5
def lead(n):
    status = rng.choice(statuses)
    deal = status in ("qualified", "won")
    value = Decimal(rng.randint(1000, 900000)) if deal else None
    return Lead(name=f"Bench {n}", email=f"bench{n}@example.com",
                source_page_id=rng.choice(ids), status=status, deal_value=value,
                utm_source=rng.choice(["", "linkedin", "newsletter", "google"]),
                utm_campaign=rng.choice(["", "copper-2026", "gold", "lithium"]),
                created_at=now - timedelta(minutes=rng.randint(0, 525600)),
                notification_state="sent")
Lead.objects.bulk_create((lead(n) for n in range(100_000)), batch_size=5000)
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # as autovacuum would, soon after a bulk load
print(f"built in {time.monotonic() - start:.0f} s: {len(ids)} articles, "
      f"{Lead.objects.count():,} leads, "
      f"{PageDailyCount.objects.count():,} daily counts")
user = get_user_model().objects.create_superuser("bench", "b@example.com", "x")
client = Client()
client.force_login(user)
url = "/admin/reports/article-performance/"
for period in ("30", "all"):
    assert client.get(url, {"period": period}).status_code == 200
    times = []
    for _ in range(7):
        began = time.perf_counter()
        response = client.get(url, {"period": period, "order": "-won_value"})
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    print(f"report, period {period}: median {statistics.median(times):.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in times)}; target <= 300 ms)")
began = time.perf_counter()
response = client.get(url, {"period": "all", "export": "csv"})
print(f"CSV export, all time: {(time.perf_counter() - began) * 1000:.0f} ms, "
      f"{len(response.content.splitlines()) - 1} rows")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--skip-beacon", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")

    database = f"btob_funnel_bench_{os.getpid()}"
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True
    )
    workdir = Path(tempfile.mkdtemp(prefix="btob-funnel-bench-"))
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": f"{PG}/{database}",
    }
    redis = None
    try:
        if args.redis:
            port = free_port()
            redis = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--dir", str(workdir)],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1)
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["load_demo_content"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if not args.skip_beacon:
            beacon_bench(args, env, workdir)
        if not args.skip_report:
            print(django_shell(env, REPORT_CODE))
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=30)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", database])
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
