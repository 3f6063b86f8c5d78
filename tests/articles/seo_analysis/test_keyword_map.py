"""Link suggestions of the keyword map, grouped by minerals, against the rule
they implement compared pair by pair; no database."""

import random

from articles.seo_analysis.services import (
    SUGGESTIONS_PER_ARTICLE,
    MapArticle,
    link_suggestions,
)

MINERALS = ["Copper", "Gold", "Lithium", "Salt"]
TITLES = ["Copper outlook", "Gold in Gilgit", "Reko Diq guide", "Salt mines"]


def pairwise(articles: list[MapArticle]) -> list[tuple[int, int, list[str]]]:
    """Each article's first three unlinked others by shared minerals (most
    first), then title, then their order in the list."""
    suggestions = []
    for source in articles:
        candidates = []
        for target in articles:
            shared = sorted(set(source.minerals) & set(target.minerals))
            if target.pk == source.pk or not shared:
                continue
            if str(target.pk) in source.links:
                continue
            candidates.append((source.pk, target.pk, shared, target.title))
        candidates.sort(key=lambda candidate: (-len(candidate[2]), candidate[3]))
        suggestions += [c[:3] for c in candidates[:SUGGESTIONS_PER_ARTICLE]]
    return suggestions


def random_articles(seed: int, count: int) -> list[MapArticle]:
    chooser = random.Random(seed)  # noqa: S311 (test data)
    pks = chooser.sample(range(1, 10 * count), count)
    return [
        MapArticle(
            pk=pk,
            # Few titles, so that ties fall back on the order of the articles.
            title=chooser.choice(TITLES),
            primary_keyword="",
            secondary_keywords=[],
            minerals=sorted(chooser.sample(MINERALS, chooser.randint(0, 3))),
            links=frozenset(
                str(chooser.choice(pks)) for _ in range(chooser.randint(0, 6))
            ),
        )
        for pk in pks
    ]


def test_suggestions_by_mineral_set_are_those_of_every_pair():
    for seed in range(30):
        articles = random_articles(seed, 40)
        found = [
            (item.source.pk, item.target.pk, item.minerals)
            for item in link_suggestions(articles)
        ]
        assert found == pairwise(articles), seed


def test_an_article_without_minerals_gets_and_gives_no_suggestion():
    lone = MapArticle(1, "Lone", "", [], [], frozenset())
    copper = [
        MapArticle(n, f"Copper {n}", "", [], ["Copper"], frozenset()) for n in (2, 3)
    ]
    found = [
        (item.source.pk, item.target.pk) for item in link_suggestions([lone, *copper])
    ]
    assert found == [(2, 3), (3, 2)]
