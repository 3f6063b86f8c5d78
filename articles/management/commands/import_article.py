from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer import DraftError, article_import, parse_draft, read_draft
from articles.models import ArticleIndexPage, ArticlePage, Author
from articles.seo_analysis.services import seo_report_refresh


class Command(BaseCommand):
    help = "Import a plain-text draft as an article under the article index."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="A UTF-8 text draft.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish instead of saving a draft."
        )
        parser.add_argument("--author", help="Name of an existing author snippet.")
        parser.add_argument(
            "--slug", help="URL slug; derived from the title if not set."
        )

    def handle(self, *args, path: Path, publish: bool, **options):
        try:
            draft = parse_draft(read_draft(path))
        except DraftError as error:
            raise CommandError(str(error)) from error
        index = ArticleIndexPage.objects.first()
        if index is None:
            raise CommandError(
                "There is no article index page; run load_demo_content or create one "
                "in the Wagtail admin first."
            )
        author = None
        if options["author"]:
            author = Author.objects.filter(name__iexact=options["author"]).first()
            if author is None:
                raise CommandError(f"No author is named {options['author']!r}.")
        slug = options["slug"] or ""
        if slug and ArticlePage.objects.child_of(index).filter(slug=slug).exists():
            raise CommandError(f"An article with the slug {slug!r} already exists.")
        page = article_import(
            draft=draft, index=index, publish=publish, author=author, slug=slug
        )
        # The Articles listing shows its scores at once, not "not scored".
        report = seo_report_refresh(page=page)
        state = "published" if publish else "saved as a draft"
        minerals = ", ".join(m.name for m in page.minerals.all()) or "none"
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{page.title}”, {state}, at {page.url}.")
        )
        self.stdout.write(
            f"  {draft.heading_count} headings, {draft.section_count} numbered "
            f"sections; primary keyword: {draft.primary_keyword or 'none'}; "
            f"{len(draft.secondary_keywords)} secondary keywords; minerals: {minerals}."
        )
        self.stdout.write(
            f"  SEO score {report.seo_score}, readability {report.readability_score}."
        )
        if draft.unmapped:
            self.stdout.write(self.style.WARNING("  Not imported:"))
            for item in draft.unmapped:
                self.stdout.write(f"  - {item}")
