"""Time `manage.py seo_audit` and the keyword map over many articles in a scratch
PostgreSQL database.

    .venv/bin/python bench/seo_audit_bench.py [--articles 1000] [--runs 3]
        [--database btob_seo_bench_keep]

Creates the database `btob_seo_bench_<pid>` (or uses and keeps `--database`),
migrates it, loads the demo content and adds copies of the seed article in bulk
(a third of them drafts, a third published, a third published with a newer
draft, so both the live-row and the revision paths run). Every copy's sentences
carry a word of their own, so no cache shared between articles makes the text
cheaper than distinct articles would be. It times the audit in-process and as
a command, the keyword map, and beside them what they cannot go under: fetching
the latest revisions' JSON. Times are wall clock and this process's CPU.
"""

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = ["Chagai", "Gilgit", "Khyber", "Swat", "Thar", "Zhob", "Kalat", "Skardu"]
TOPICS = ["investment", "licensing", "exports", "processing", "royalties", "logistics"]
WAGTAIL_SAMPLE = 100
SENTENCE_END = re.compile(r"\.(?= [A-Z])")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--database", help="Use (and keep) this database instead of a scratch one."
    )
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args)
    name = args.database or f"btob_seo_bench_{os.getpid()}"
    pg = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}
    env = {
        **os.environ,
        **pg,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
    }
    created = subprocess.run(
        ["createdb", name], env=env, capture_output=True, text=True
    )
    if created.returncode and not (args.database and "exists" in created.stderr):
        sys.exit(created.stderr)
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
        if not args.database:
            subprocess.run(["dropdb", "--if-exists", name], check=True, env=env)
    return 0


def timed(function, runs: int = 1):
    """(median wall seconds, median CPU seconds, last result) over `runs` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def inner(args) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "btob.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from wagtail.models import Revision

    from articles.models import ArticlePage
    from articles.seo_analysis.services import keyword_map_build

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", stdout=io.StringIO())
    missing = args.articles - ArticlePage.objects.count()
    if missing > 0:
        started = time.perf_counter()
        add_copies(missing)
        print(f"added {missing} articles in {time.perf_counter() - started:.1f} s")
    count = ArticlePage.objects.count()

    def audit():
        call_command("seo_audit", "--json", stdout=io.StringIO())

    audit()  # Warm up imports and the site lookups.
    audit_wall, audit_cpu, _ = timed(audit, args.runs)
    with CaptureQueriesContext(connection) as queries:
        call_command("seo_audit", stdout=io.StringIO())

    def fetch_revisions():
        return list(
            Revision.objects.filter(
                pk__in=ArticlePage.objects.values("latest_revision")
            ).values_list("content", flat=True)
        )

    fetch_wall, fetch_cpu, _ = timed(fetch_revisions, args.runs)
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_superuser": True, "is_staff": True}
    )
    map_wall, map_cpu, keyword_map = timed(
        lambda: keyword_map_build(user=editor), args.runs
    )
    print(
        f"{count} articles, {args.runs} runs, medians; wall clock / this process's CPU"
    )
    print(
        f"  seo_audit --json in-process: {audit_wall:.2f} s / {audit_cpu:.2f} s, "
        f"{audit_wall / count * 1000:.2f} / {audit_cpu / count * 1000:.2f} ms per "
        f"article, {len(queries.captured_queries)} queries"
    )
    print(
        f"  keyword map: {map_wall:.2f} s / {map_cpu:.2f} s, "
        f"{keyword_map.collision_count} collisions, "
        f"{len(keyword_map.suggestions)} link suggestions"
    )
    print(
        f"  reference, fetching the latest revisions' JSON: {fetch_wall:.2f} s / "
        f"{fetch_cpu:.2f} s; audit / fetch = {audit_cpu / fetch_cpu:.1f} (CPU), "
        f"keyword map / fetch = {map_cpu / fetch_cpu:.1f} (CPU)"
    )
    print_breakdown(count)
    return 0


def print_breakdown(count: int) -> None:
    """Where the audit's time goes, and the JSON path beside Wagtail's rebuild."""
    from articles.models import ArticlePage
    from articles.seo_analysis.adapters import article_document, seo_context_build
    from articles.seo_analysis.core import analyse
    from articles.seo_analysis.services import latest_article_revisions

    load_wall, load_cpu, pages = timed(latest_article_revisions)
    context = seo_context_build(
        keywords=[(page.pk, page.title, page.keywords) for page in pages]
    )
    build_wall, build_cpu, documents = timed(
        lambda: [article_document(page, context) for page in pages]
    )
    analyse_wall, analyse_cpu, _ = timed(
        lambda: [analyse(document) for document in documents]
    )
    print(
        f"  of which: loading latest revisions {load_cpu:.2f} s, building documents "
        f"{build_cpu:.2f} s, pure analysis {analyse_cpu:.2f} s "
        f"({analyse_cpu / count * 1000:.2f} ms per article) (CPU)"
    )
    sample = list(
        ArticlePage.objects.select_related("latest_revision").order_by("path")[
            :WAGTAIL_SAMPLE
        ]
    )
    ids = [page.pk for page in sample]
    _, wagtail, _ = timed(
        lambda: [
            article_document(page.get_latest_revision_as_object(), context)
            for page in sample
        ]
    )
    _, ours, _ = timed(
        lambda: [
            article_document(page, context)
            for page in latest_article_revisions(ArticlePage.objects.filter(pk__in=ids))
        ]
    )
    print(
        f"  loading and building {len(sample)} documents: from revision JSON "
        f"{ours:.2f} s, Wagtail's get_latest_revision_as_object() {wagtail:.2f} s "
        f"({wagtail / ours:.1f}x) (CPU)"
    )


def add_copies(count: int) -> None:
    """`count` copies of the seed article, inserted in bulk with their revisions,
    secondary keywords and minerals, as Wagtail's add_child and save_revision
    would leave them (less the search and reference indexes, which the audit does
    not read)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone
    from wagtail.models import Page, Revision

    from articles.models import ArticlePage, ArticleSecondaryKeyword, Mineral

    seed = ArticlePage.objects.get(slug="us-interest-in-pakistans-minerals")
    index = seed.get_parent()
    base = seed.latest_revision.content
    body = base["body"]
    mineral_ids = list(Mineral.objects.order_by("pk").values_list("pk", flat=True))
    secondary = seed.secondary_keyword_list[:3]
    article_type = ContentType.objects.get_for_model(ArticlePage)
    page_type = ContentType.objects.get_for_model(Page)
    first_step = index.numchild + 1
    now = timezone.now()
    copies = []
    for number in range(count):
        district = DISTRICTS[number % len(DISTRICTS)]
        topic = TOPICS[number // len(DISTRICTS) % len(TOPICS)]
        marker = f" in {district} {number}."
        slug = f"bench-{number}"
        # 0: a draft; 1: published; 2: published, then a newer draft.
        kind = number % 3
        copies.append(
            {
                "kind": kind,
                "title": f"{district} {topic}: {seed.title} ({number})",
                "slug": slug,
                "path": ArticlePage._get_path(
                    index.path, index.depth + 1, first_step + number
                ),
                "url_path": f"{index.url_path}{slug}/",
                "body": json.loads(SENTENCE_END.sub(marker, body)),
                "introduction": SENTENCE_END.sub(marker, seed.introduction),
                "draft_introduction": (
                    f"{seed.primary_keyword} draws investors to {district}{marker}"
                ),
                "primary_keyword": f"{district} mineral {topic} {number % 50}",
                "minerals": mineral_ids[number % 3 : number % 3 + 2],
                # The first collides with one other copy's, the others with none.
                "secondary": [
                    f"{keyword} {number // 2 if position == 0 else number}"
                    for position, keyword in enumerate(secondary)
                ],
            }
        )
    with transaction.atomic():
        pages = Page.objects.bulk_create(
            [
                Page(
                    title=copy["title"],
                    draft_title=copy["title"],
                    slug=copy["slug"],
                    path=copy["path"],
                    depth=index.depth + 1,
                    numchild=0,
                    url_path=copy["url_path"],
                    content_type=article_type,
                    locale_id=seed.locale_id,
                    translation_key=uuid.uuid4(),
                    live=copy["kind"] != 0,
                    has_unpublished_changes=copy["kind"] != 1,
                    first_published_at=now if copy["kind"] else None,
                    last_published_at=now if copy["kind"] else None,
                    latest_revision_created_at=now,
                )
                for copy in copies
            ]
        )
        articles = [
            ArticlePage(
                page_ptr_id=page.pk,
                subtitle=seed.subtitle,
                date_published=seed.date_published,
                last_reviewed=seed.last_reviewed,
                author_id=seed.author_id,
                hero_image_id=seed.hero_image_id,
                introduction=copy["introduction"],
                body=copy["body"],
                primary_keyword=copy["primary_keyword"],
            )
            for page, copy in zip(pages, copies, strict=True)
        ]
        # bulk_create() refuses multi-table children: insert the article table's
        # own columns the way it inserts a table.
        ArticlePage._base_manager._insert(
            articles, fields=ArticlePage._meta.local_concrete_fields
        )
        ArticleSecondaryKeyword.objects.bulk_create(
            ArticleSecondaryKeyword(page_id=page.pk, keyword=keyword, sort_order=order)
            for page, copy in zip(pages, copies, strict=True)
            for order, keyword in enumerate(copy["secondary"])
        )
        through = ArticlePage.minerals.through
        through.objects.bulk_create(
            through(articlepage_id=page.pk, mineral_id=mineral)
            for page, copy in zip(pages, copies, strict=True)
            for mineral in copy["minerals"]
        )
        revisions = []
        for page, copy in zip(pages, copies, strict=True):
            content = {
                **base,
                "pk": page.pk,
                "title": copy["title"],
                "draft_title": copy["title"],
                "slug": copy["slug"],
                "path": copy["path"],
                "url_path": copy["url_path"],
                "translation_key": str(page.translation_key),
                "live": page.live,
                "has_unpublished_changes": page.has_unpublished_changes,
                "introduction": copy["introduction"],
                "body": json.dumps(copy["body"]),
                "primary_keyword": copy["primary_keyword"],
                "minerals": copy["minerals"],
                "secondary_keywords": [
                    {"pk": None, "page": page.pk, "keyword": keyword, "sort_order": n}
                    for n, keyword in enumerate(copy["secondary"])
                ],
            }
            versions = [content]
            if copy["kind"] == 2:
                versions.append({**content, "introduction": copy["draft_introduction"]})
            revisions += [
                Revision(
                    content_type=article_type,
                    base_content_type=page_type,
                    object_id=str(page.pk),
                    content=version,
                    created_at=now,
                    object_str=copy["title"],
                )
                for version in versions
            ]
        revisions = Revision.objects.bulk_create(revisions)
        by_page: dict[str, list] = {}
        for revision in revisions:
            by_page.setdefault(revision.object_id, []).append(revision)
        for page in pages:
            versions = by_page[str(page.pk)]
            page.latest_revision = versions[-1]
            page.live_revision = versions[0] if page.live else None
        Page.objects.bulk_update(pages, ["latest_revision", "live_revision"])
        Page.objects.filter(pk=index.pk).update(numchild=F("numchild") + count)


if __name__ == "__main__":
    sys.exit(main())
