from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.template.backends.django import get_installed_libraries
from django.template.base import Lexer, TokenType
from django.test import RequestFactory
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, HelpPanel

from articles.extensions import (
    CALL_TO_ACTION_FORM,
    ContributedObjectList,
    call_to_action_form,
)
from articles.models import ArticlePage, HomePage
from tests.builders import make_article


def test_every_page_type_names_its_parents_so_home_may_take_any_app_pages():
    from wagtail.models import get_page_models

    for model in get_page_models():
        if model.is_creatable and model is not HomePage:
            assert model.parent_page_types, model
    assert not hasattr(HomePage, "subpage_types")


def test_contributed_panels_follow_the_tab_own_panels():
    def contribute():
        return [HelpPanel(content="Contributed", heading="From another app")]

    with hooks.register_temporarily("test_editor_panels", contribute):
        tab = ContributedObjectList(
            [FieldPanel("title")], heading="Content", hook_name="test_editor_panels"
        ).bind_to_model(ArticlePage)
    assert [type(child) for child in tab.children] == [FieldPanel, HelpPanel]
    assert tab.children[1].heading == "From another app"


@pytest.mark.django_db
def test_call_to_action_form_renders_every_registered_form():
    def extra(context, label):
        return f'<p class="extra">{label}</p>'

    with hooks.register_temporarily(CALL_TO_ACTION_FORM, extra):
        html = call_to_action_form({"request": RequestFactory().get("/")}, "Ask us")
    soup = BeautifulSoup(html, "html5lib")
    assert soup.find("p", class_="extra").text == "Ask us"


@pytest.mark.django_db
def test_an_article_ends_in_the_forms_other_apps_register(client):
    with hooks.register_temporarily(
        CALL_TO_ACTION_FORM, lambda context, label: '<p class="extra">More</p>'
    ):
        soup = BeautifulSoup(client.get(make_article().url).content, "html5lib")
    section = soup.find("section", class_="lead-section")
    assert section.find("p", class_="extra") is not None


def site_templates() -> list[Path]:
    """Templates of the site itself: everything but leads' own folder."""
    root = Path(settings.BASE_DIR)
    found = [
        *(root / "templates").rglob("*.html"),
        *(root / "articles").rglob("*.html"),
    ]
    return [path for path in found if "leads" not in path.relative_to(root).parts]


def test_site_templates_load_and_include_nothing_of_leads():
    libraries = get_installed_libraries()
    tokens = [
        token.split_contents()
        for path in site_templates()
        for token in Lexer(path.read_text()).tokenize()
        if token.token_type == TokenType.BLOCK
    ]
    assert len(site_templates()) > 10
    loaded = {name for bits in tokens if bits[0] == "load" for name in bits[1:]}
    assert "seo_tags" in loaded
    assert not {name for name in loaded if libraries[name].startswith("leads.")}
    included = [bits[1] for bits in tokens if bits[0] == "include"]
    assert not [name for name in included if "leads/" in name]
