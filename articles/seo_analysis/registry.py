"""Checks declared once each, with their group and weight, and the scores."""

import math
from collections.abc import Callable
from dataclasses import dataclass

GOOD, OK, BAD = "good", "ok", "bad"
POINTS = {GOOD: 1.0, OK: 0.5, BAD: 0.0}
SEO, READABILITY = "seo", "readability"


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    # Checks that do not apply (too little text) are shown but not scored.
    scored: bool = True


def good(message: str) -> Verdict:
    return Verdict(GOOD, message)


def ok(message: str) -> Verdict:
    return Verdict(OK, message)


def bad(message: str) -> Verdict:
    return Verdict(BAD, message)


def not_assessed(message: str) -> Verdict:
    return Verdict(OK, f"Not assessed: {message}", scored=False)


@dataclass(frozen=True)
class Check:
    """One check's result in a report."""

    id: str
    group: str
    weight: int
    status: str
    message: str
    scored: bool = True

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass(frozen=True)
class CheckDeclaration:
    id: str
    group: str
    weight: int
    function: Callable

    def run(self, subject) -> Check:
        verdict = self.function(subject)
        return Check(
            self.id,
            self.group,
            self.weight,
            verdict.status,
            verdict.message,
            verdict.scored,
        )


# In declaration order, which is the order of a report.
CHECKS: dict[str, CheckDeclaration] = {}


def check(*, id: str, group: str = SEO, weight: int = 1):
    """Declare the decorated function, which returns a Verdict, as check `id`."""

    def declare(function: Callable) -> Callable:
        if id in CHECKS:
            raise ValueError(f"The check {id!r} is declared twice.")
        CHECKS[id] = CheckDeclaration(id, group, weight, function)
        return function

    return declare


def score(checks: list[Check], group: str) -> int:
    """Weighted share of points: good 1, ok 0.5, bad 0; unscored checks left out."""
    scored = [check for check in checks if check.group == group and check.scored]
    total = sum(check.weight for check in scored)
    if not total:
        return 0
    earned = sum(POINTS[check.status] * check.weight for check in scored)
    return math.floor(earned / total * 100 + 0.5)
