import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from articles.models import ArticlePage, SiteSettings

EXPECTED = Path(__file__).parent / "expected"


def load() -> str:
    out = io.StringIO()
    call_command("load_demo_content", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"articles", "wagtailcore", "wagtailimages"}
        and model._meta.label != "wagtailcore.ModelLogEntry"
    }
    pages = list(
        Page.objects.values_list("pk", "title", "live", "latest_revision_id", "path")
    )
    return {"counts": counts, "pages": pages}


@pytest.mark.django_db
def test_loader_builds_the_site_and_publishes_the_seed(client):
    load()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific_class.__name__ == "HomePage"
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()
    article = ArticlePage.objects.get()
    assert article.live
    assert article.url == "/insights/us-interest-in-pakistans-minerals/"
    assert article.hero_image is not None
    # Scored as published (tests/articles/expected/seed_audit.json).
    expected = json.loads((EXPECTED / "seed_audit.json").read_text())
    assert article.seo_report.seo_score == expected["seo_score"]
    settings = SiteSettings.for_site(site)
    assert settings.contact_email and settings.risk_disclaimer and settings.logo

    soup = BeautifulSoup(client.get(article.url).content, "html5lib")
    headings = [h.get_text(" ", strip=True) for h in soup.select(".article__body h3")]
    assert len(headings) == 11
    assert headings[0] == "1. Vast Untapped Mineral Deposits"
    body_text = soup.find("article").get_text(" ")
    assert "Primary:" not in body_text
    assert "SEO Keywords" not in body_text
    assert soup.select_one(".cta") is not None


@pytest.mark.django_db
def test_loader_is_idempotent():
    load()
    before = snapshot()
    load()
    load()
    assert snapshot() == before


@pytest.mark.django_db
def test_loader_keeps_editors_changes():
    load()
    article = ArticlePage.objects.get()
    article.title = "Edited by an editor"
    article.save_revision().publish()
    revisions = Revision.objects.count()
    load()
    article.refresh_from_db()
    assert article.title == "Edited by an editor"
    assert ArticlePage.objects.count() == 1
    assert Revision.objects.count() == revisions
