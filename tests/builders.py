"""Small builders for tests: each makes one thing, with overridable fields."""

import io
from datetime import date

from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.images.models import Image
from wagtail.models import Collection, Locale, Page, Site

from articles.models import ArticleIndexPage, ArticlePage, HomePage, Mineral


def make_image(title: str = "Test image", size=(1600, 900), **overrides) -> Image:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, (164, 88, 42)).save(buffer, format="PNG")
    image = Image(
        title=title,
        file=ImageFile(io.BytesIO(buffer.getvalue()), name="test.png"),
        **overrides,
    )
    image.save()
    return image


def make_home(**overrides) -> HomePage:
    """A HomePage as the default site's root, replacing Wagtail's welcome page."""
    existing = HomePage.objects.first()
    if existing:
        return existing
    # Transactional tests flush what Wagtail's migrations made: put it back.
    Locale.objects.get_or_create(language_code="en")
    Collection.get_first_root_node() or Collection.add_root(name="Root")
    root = Page.get_first_root_node() or Page.add_root(
        instance=Page(title="Root", slug="root")
    )
    Page.objects.filter(depth=2, content_type__model="page").delete()
    fields = {"title": "Home", "slug": "home", **overrides}
    home = root.add_child(instance=HomePage(**fields))
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "root_page": home, "site_name": "BTOB"},
    )
    return home


def make_index(**overrides) -> ArticleIndexPage:
    home = make_home()
    existing = ArticleIndexPage.objects.child_of(home).first()
    if existing and not overrides:
        return existing
    fields = {"title": "Insights", "slug": "insights", **overrides}
    return home.add_child(instance=ArticleIndexPage(**fields))


def make_mineral(name: str = "Copper", **overrides) -> Mineral:
    mineral, _ = Mineral.objects.get_or_create(
        name=name, defaults={"slug": name.lower().replace(" ", "-"), **overrides}
    )
    return mineral


def paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{text}</p>"}


def make_article(
    *,
    minerals=(),
    secondary_keywords=(),
    publish: bool = True,
    parent=None,
    **overrides,
) -> ArticlePage:
    fields = {
        "title": "Copper in Balochistan",
        "subtitle": "What investors should know",
        "introduction": "Copper deposits in Balochistan draw global investors.",
        "body": [paragraph("Reko Diq is one of the largest copper-gold deposits.")],
        "date_published": date(2026, 1, 15),
        **overrides,
    }
    fields.setdefault("slug", None)
    page = ArticlePage(
        live=publish, **{k: v for k, v in fields.items() if v is not None}
    )
    page.minerals.set(minerals)
    for position, keyword in enumerate(secondary_keywords):
        page.secondary_keywords.add(
            page.secondary_keywords.model(keyword=keyword, sort_order=position)
        )
    (parent or make_index()).add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
        page.refresh_from_db()
    return page


def every_block_body(image) -> list[dict]:
    """A body that uses every block type an editor can pick."""
    return [
        {"type": "heading", "value": {"text": "Deposits", "level": "h2"}},
        paragraph('Copper and gold at <a href="https://example.com/">Reko Diq</a>.'),
        {
            "type": "numbered_section",
            "value": {
                "number": 1,
                "heading": "Porphyry copper",
                "content": [
                    paragraph("Large, low-grade deposits."),
                    {
                        "type": "list",
                        "value": {"style": "numbered", "items": ["<b>Grade:</b> 0.5%"]},
                    },
                ],
            },
        },
        {"type": "heading", "value": {"text": "Figures", "level": "h3"}},
        {
            "type": "image",
            "value": {"image": image.pk, "alt_text": "Drill core", "caption": "Core"},
        },
        {
            "type": "quote",
            "value": {"text": "A world-class deposit.", "attribution": "Analyst"},
        },
        {
            "type": "key_facts",
            "value": {
                "title": "Key facts",
                "facts": [{"label": "Reserves", "value": "5.9 Mt copper"}],
            },
        },
        {
            "type": "table",
            "value": {
                "caption": "Output",
                "table": {
                    "columns": [
                        {"type": "text", "heading": "Metal"},
                        {"type": "number", "heading": "Tonnes"},
                    ],
                    "rows": [{"values": ["Copper", "200000"]}],
                },
            },
        },
        {
            "type": "call_to_action",
            "value": {"heading": "Talk to us", "text": "", "button_label": "Ask"},
        },
        paragraph("Closing words."),
    ]
