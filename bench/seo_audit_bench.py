"""Time `manage.py seo_audit` over many articles in a scratch PostgreSQL database.

    .venv/bin/python bench/seo_audit_bench.py [--articles 1000] [--runs 3]

Creates the database `btob_seo_bench_<pid>`, migrates it, loads the demo
content, adds copies of the seed article (a third of them drafts, a third
published with a newer draft, so both the live-row and the revision paths run),
times the audit in-process and as a command, and drops the database.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ["Chagai", "Gilgit", "Khyber", "Swat", "Thar", "Zhob", "Kalat", "Skardu"]
TOPICS = ["investment", "licensing", "exports", "processing", "royalties", "logistics"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args)
    name = f"btob_seo_bench_{os.getpid()}"
    pg = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}
    env = {
        **os.environ,
        **pg,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
    }
    subprocess.run(["createdb", name], check=True, env=env)
    try:
        command = [sys.executable, __file__, "--inner", name]
        command += ["--articles", str(args.articles), "--runs", str(args.runs)]
        subprocess.run(command, check=True, env=env, cwd=ROOT)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "seo_audit", "--json"],
            check=True,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        whole = time.perf_counter() - started
        print(f"manage.py seo_audit --json as a command (with start-up): {whole:.2f} s")
    finally:
        subprocess.run(["dropdb", "--if-exists", name], check=True, env=env)
    return 0


def inner(args) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "btob.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import ArticleIndexPage, ArticlePage, Mineral
    from articles.seo_analysis.adapters import article_document, seo_context_build
    from articles.seo_analysis.core import analyse
    from articles.seo_analysis.services import (
        keyword_map_build,
        latest_article_revisions,
    )

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", stdout=io.StringIO())
    seed = ArticlePage.objects.get()
    index = ArticleIndexPage.objects.get()
    minerals = list(Mineral.objects.all())
    started = time.perf_counter()
    for number in range(args.articles - 1):
        district = DISTRICTS[number % len(DISTRICTS)]
        topic = TOPICS[number // len(DISTRICTS) % len(TOPICS)]
        page = ArticlePage(
            title=f"{district} {topic}: {seed.title} ({number})",
            slug=f"bench-{number}",
            subtitle=seed.subtitle,
            introduction=seed.introduction,
            body=seed.body.raw_data,
            primary_keyword=f"{district} mineral {topic} {number % 50}",
            last_reviewed=seed.last_reviewed,
            hero_image=seed.hero_image,
            live=False,
        )
        page.minerals.set(minerals[number % 3 : number % 3 + 2])
        for position, keyword in enumerate(seed.secondary_keyword_list[:3]):
            page.secondary_keywords.add(
                page.secondary_keywords.model(keyword=keyword, sort_order=position)
            )
        index.add_child(instance=page)
        revision = page.save_revision()
        if number % 3:
            revision.publish()
        if number % 3 == 2:
            page.refresh_from_db()
            page.introduction = f"{seed.primary_keyword} draws investors to {district}."
            page.save_revision()
    count = ArticlePage.objects.count()
    print(f"created {count} articles in {time.perf_counter() - started:.1f} s")

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        call_command("seo_audit", "--json", stdout=io.StringIO())
        timings.append(time.perf_counter() - started)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        call_command("seo_audit", stdout=io.StringIO())
    # Where the time goes: Wagtail's revision loading against the analysis itself.
    started = time.perf_counter()
    pages = latest_article_revisions()
    loading = time.perf_counter() - started
    context = seo_context_build(
        keywords=[(page.pk, page.title, page.keywords) for page in pages]
    )
    started = time.perf_counter()
    documents = [article_document(page, context) for page in pages]
    adapting = time.perf_counter() - started
    started = time.perf_counter()
    for document in documents:
        analyse(document)
    analysing = time.perf_counter() - started
    started = time.perf_counter()
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_superuser": True, "is_staff": True}
    )
    keyword_map = keyword_map_build(user=editor)
    mapping = time.perf_counter() - started
    best, median = min(timings), statistics.median(timings)
    print(
        f"seo_audit over {count} articles, in-process, {args.runs} runs: "
        f"median {median:.2f} s, best {best:.2f} s, "
        f"{median / count * 1000:.1f} ms per article, "
        f"{len(queries.captured_queries)} queries"
    )
    print(
        f"  loading latest revisions {loading:.2f} s, building documents "
        f"{adapting:.2f} s, pure analysis {analysing:.2f} s "
        f"({analysing / count * 1000:.1f} ms per article); loading / analysis = "
        f"{loading / analysing:.1f}"
    )
    print(
        f"keyword map over {count} articles: {mapping:.2f} s, "
        f"{len(keyword_map.suggestions)} link suggestions"
    )
    # Side by side: Wagtail's whole-page rebuild, as the audit loaded before.
    started = time.perf_counter()
    rebuilt = [
        page.get_latest_revision_as_object()
        for page in ArticlePage.objects.select_related("latest_revision")
    ]
    [article_document(page, context) for page in rebuilt]
    wagtail = time.perf_counter() - started
    started = time.perf_counter()
    [article_document(page, context) for page in latest_article_revisions()]
    ours = time.perf_counter() - started
    print(
        f"loading and building documents: from revision JSON {ours:.2f} s, "
        f"Wagtail's get_latest_revision_as_object() {wagtail:.2f} s "
        f"({wagtail / ours:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
