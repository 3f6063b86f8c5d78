"""The analysis itself: a document in, a report out; no database, no request."""

from dataclasses import dataclass

from articles.seo_analysis.checks import Subject
from articles.seo_analysis.document import ArticleDocument
from articles.seo_analysis.registry import BAD, CHECKS, READABILITY, SEO, Check, score


@dataclass(frozen=True)
class SeoReport:
    seo_score: int
    readability_score: int
    checks: list[Check]

    def check(self, check_id: str) -> Check:
        return next(check for check in self.checks if check.id == check_id)

    @property
    def problems(self) -> list[Check]:
        return [check for check in self.checks if check.status == BAD]


def analyse(document: ArticleDocument) -> SeoReport:
    subject = Subject(document)
    checks = [declaration.run(subject) for declaration in CHECKS.values()]
    return SeoReport(
        seo_score=score(checks, SEO),
        readability_score=score(checks, READABILITY),
        checks=checks,
    )
