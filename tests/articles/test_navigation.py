import importlib

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from wagtail.models import PageViewRestriction, Site

from articles.models import SiteSettings, StandardPage
from tests.builders import make_home, make_index

pytestmark = pytest.mark.django_db


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html5lib")


def nav_links(soup, label: str) -> list[tuple[str, str]]:
    nav = soup.find("nav", attrs={"aria-label": label})
    return [(a.get_text(strip=True), a["href"]) for a in nav.find_all("a")]


def standard_page(title: str, slug: str, **fields) -> StandardPage:
    page = StandardPage(title=title, slug=slug, **fields)
    make_home().add_child(instance=page)
    page.save_revision().publish()
    return page


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def test_menu_lists_pages_shown_in_menus_in_tree_order(client):
    make_index(show_in_menus=True)
    standard_page("Team", "team", show_in_menus=True)
    standard_page("Terms", "terms")
    draft = standard_page("Careers", "careers", show_in_menus=True)
    draft.unpublish()
    private = standard_page("Partners", "partners", show_in_menus=True)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    soup = parse(client.get("/"))
    assert nav_links(soup, "Main") == [("Insights", "/insights/"), ("Team", "/team/")]


def test_a_renamed_page_keeps_every_link_right(client):
    team = standard_page("Team", "team", show_in_menus=True)
    privacy = standard_page("Privacy policy", "privacy")
    settings = site_settings()
    settings.privacy_page = privacy
    settings.save()
    for page, slug in ((team, "people"), (privacy, "data-protection")):
        page.slug = slug
        page.save_revision().publish()
    soup = parse(client.get("/"))
    assert nav_links(soup, "Main") == [("Team", "/people/")]
    assert ("Privacy policy", "/data-protection/") in nav_links(soup, "Footer")


def test_turning_show_in_menus_off_takes_the_page_out_of_the_menu(client):
    team = standard_page("Team", "team", show_in_menus=True)
    assert nav_links(parse(client.get("/")), "Main") == [("Team", "/team/")]
    team.show_in_menus = False
    team.save_revision().publish()
    assert nav_links(parse(client.get("/")), "Main") == []


def test_key_pages_come_from_site_settings(client):
    contact = standard_page("Talk to us", "talk", show_in_menus=True)
    settings = site_settings()
    settings.contact_page = contact
    settings.save()
    soup = parse(client.get("/"))
    header_link = soup.find("nav", attrs={"aria-label": "Main"}).find("a")
    assert header_link["class"] == ["site-nav__cta"]
    hero_links = [a["href"] for a in soup.select(".hero-band a")]
    assert hero_links == ["/talk/"]
    # No privacy page chosen: no dead link in the footer.
    assert "Privacy policy" not in dict(nav_links(soup, "Footer"))


def test_data_migration_chooses_the_pages_templates_used_to_link_by_slug():
    privacy = standard_page("Privacy policy", "privacy")
    contact = standard_page("Contact", "contact")
    standard_page("Elsewhere", "other")
    migration = importlib.import_module("articles.migrations.0005_key_pages_from_slugs")
    migration.key_pages_from_slugs(apps, None)
    settings = site_settings()
    assert (settings.privacy_page_id, settings.contact_page_id) == (
        privacy.pk,
        contact.pk,
    )
