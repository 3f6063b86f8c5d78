import argparse
import gc
import json

from django.core.management.base import BaseCommand, CommandError

from articles.seo_analysis.services import seo_audit, seo_reports_store_all

BAD_INPUT = 2
BELOW_MIN_SCORE = 1


def score_argument(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 100:
        raise argparse.ArgumentTypeError(
            f"--min-score must be a whole number from 0 to 100, not {value!r}."
        )
    return number


class Command(BaseCommand):
    help = (
        "Audit every article's latest revision for SEO and readability, and store "
        "the scores the admin listing shows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--min-score",
            type=score_argument,
            help="Exit 1 when an article's SEO score is below this (0-100).",
        )
        parser.add_argument("--path", help="Audit only the article at this URL path.")

    def handle(self, *args, **options):
        # The audit keeps every article in memory while it makes millions of
        # short-lived objects, which reference counting frees. The cycles it
        # makes (Wagtail's stream values) live until it ends, so the cyclic
        # collector's passes found nothing to free, and a pass over its older
        # objects cost up to a fifth of the run at random: it is off while the
        # audit runs and collects as usual afterwards.
        enabled = gc.isenabled()
        gc.disable()
        try:
            self.audit(options)
        finally:
            if enabled:
                gc.enable()

    def audit(self, options) -> None:
        path = options["path"]
        if path is not None:
            path = "/" + path.strip().strip("/") + "/" if path.strip("/ ") else "/"
        audited = seo_audit(path=path)
        if path is not None and not audited:
            raise CommandError(
                f"No article lives at {path}; give the path as the site shows it, "
                "e.g. /insights/my-article/.",
                returncode=BAD_INPUT,
            )
        seo_reports_store_all(audited)
        if options["json"]:
            # A JSON array, one article per line: json's C encoder writes
            # compact JSON only, and indenting took a tenth of the audit.
            lines = (json.dumps(item.as_dict(), ensure_ascii=False) for item in audited)
            self.stdout.write("[\n" + ",\n".join(lines) + "\n]")
        else:
            self.write_summary(audited)
        min_score = options["min_score"]
        if min_score is None:
            return
        below = [item for item in audited if item.report.seo_score < min_score]
        if below:
            titles = ", ".join(
                f"“{item.page.title}” ({item.report.seo_score})" for item in below
            )
            raise CommandError(
                f"{len(below)} of {len(audited)} articles score below {min_score}: "
                f"{titles}.",
                returncode=BELOW_MIN_SCORE,
            )

    def write_summary(self, audited) -> None:
        for item in audited:
            report = item.report
            self.stdout.write(
                f"SEO {report.seo_score:3d}  readability {report.readability_score:3d}"
                f"  {item.url}  {item.page.title}"
            )
            for check in report.problems:
                self.stdout.write(f"    {check.id}: {check.message}")
        self.stdout.write(f"{len(audited)} articles audited.")
