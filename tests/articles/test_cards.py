from datetime import date

import pytest
from bs4 import BeautifulSoup

from tests.builders import make_article, make_image, make_index


def card_images(client, url: str) -> list:
    soup = BeautifulSoup(client.get(url).content, "html5lib")
    return [card.find("img") for card in soup.select(".card-grid .card")]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/insights/"])
def test_the_first_card_image_loads_at_once_and_the_others_lazily(client, url):
    hero = make_image("Hero")
    for day in (1, 2, 3):
        make_article(
            title=f"Copper report {day}",
            slug=f"copper-report-{day}",
            hero_image=hero,
            date_published=date(2026, 1, day),
        )
    assert make_index().url == "/insights/"
    first, *others = card_images(client, url)
    # The first card is the mobile screen's largest image: no lazy loading.
    assert not first.has_attr("loading")
    assert first["fetchpriority"] == "high"
    assert others
    assert [img.get("loading") for img in others] == ["lazy"] * len(others)
    assert not any(img.has_attr("fetchpriority") for img in others)
