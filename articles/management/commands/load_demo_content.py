import io
from pathlib import Path

from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.models import Page, Site

from articles.extensions import demo_child_ensure, demo_content_build
from articles.importer import article_import, parse_draft, read_draft
from articles.models import (
    ArticleIndexPage,
    ArticlePage,
    Author,
    HomePage,
    Mineral,
    SiteSettings,
    StandardPage,
)
from articles.seo_analysis.services import seo_report_refresh

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"
SEED_ARTICLE = DEMO_DIR / "000_f85048494396b3d4.txt"
HERO_TITLE = "Copper and gold ore (demo illustration)"
HERO_ALT = "Abstract illustration of copper and gold ore layers"
LOGO_TITLE = "BTOB Services logo"

MINERALS = [
    ("Copper", "copper", ""),
    ("Gold", "gold", ""),
    ("Lithium", "lithium", ""),
    ("Rare earths", "rare-earths", "rare earth, REE, REEs"),
    ("Antimony", "antimony", ""),
    ("Tungsten", "tungsten", ""),
]

RISK_DISCLAIMER = (
    "This article is for information only and is not investment advice. Mining "
    "investments carry geological, political, regulatory, currency and security "
    "risks; figures may change. Seek independent professional advice before "
    "investing."
)

PRIVACY_TEXT = (
    "<p>BTOB Services uses the details you send through our contact forms only to "
    "answer your enquiry and to follow up on it. We do not sell them or share them "
    "with third parties for marketing. You can ask us at any time for a copy of the "
    "data we hold about you, or for it to be erased, by writing to "
    "info@btobservices.pk.</p>"
)


class Command(BaseCommand):
    help = "Create the demo page tree, settings, taxonomy and the client's article."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self.home_page()
        site = self.site(home)
        self.site_settings(site)
        for name, slug, aliases in MINERALS:
            Mineral.objects.get_or_create(
                slug=slug, defaults={"name": name, "aliases": aliases}
            )
        author, _ = Author.objects.get_or_create(
            name="BTOB Research Desk",
            defaults={
                "role": "Mineral sector analysts",
                "bio": "The BTOB Services research team follows Pakistan's mining "
                "policy, projects and deals for international investors.",
            },
        )
        index = demo_child_ensure(
            home,
            ArticleIndexPage,
            slug="insights",
            title="Insights",
            intro="Analysis of Pakistan's mineral sector for global investors: "
            "copper and gold, lithium, rare earths, antimony and tungsten.",
            show_in_menus=True,
        )
        demo_child_ensure(
            home,
            StandardPage,
            slug="about",
            title="About BTOB Services",
            intro="We connect global investors with Pakistan's mineral sector.",
            show_in_menus=True,
        )
        privacy = demo_child_ensure(
            home,
            StandardPage,
            slug="privacy",
            title="Privacy policy",
            intro="How we handle the details you send us.",
            body=[{"type": "paragraph", "value": PRIVACY_TEXT}],
        )
        settings = SiteSettings.for_site(site)
        if settings.privacy_page_id is None:
            settings.privacy_page = privacy
            settings.save(update_fields=["privacy_page"])
        self.seed_article(index, author)
        # Pages of other apps (leads' contact and thank-you pages).
        demo_content_build(home)
        self.stdout.write(self.style.SUCCESS("Demo content is in place."))

    def home_page(self) -> HomePage:
        home = HomePage.objects.first()
        if home:
            return home
        root = Page.get_first_root_node()
        # Wagtail's migrations leave a placeholder welcome page at the root.
        Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
        home = HomePage(
            title="Investing in Pakistan's minerals",
            slug="home",
            seo_title="BTOB Services: investment advisory for Pakistan's minerals",
            intro="BTOB Services connects global investors with Pakistan's mineral "
            "sector, from Reko Diq copper and gold to lithium, rare earths, "
            "antimony and tungsten.",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        return home

    def site(self, home: HomePage) -> Site:
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            return Site.objects.create(
                hostname="localhost",
                root_page=home,
                is_default_site=True,
                site_name="BTOB Services",
            )
        if site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = "BTOB Services"
            site.save()
        return site

    def site_settings(self, site: Site) -> None:
        settings = SiteSettings.for_site(site)
        if settings.contact_email:
            return
        settings.contact_email = "info@btobservices.pk"
        settings.address = "Islamabad, Pakistan"
        settings.linkedin_url = "https://www.linkedin.com/company/btobservices"
        settings.risk_disclaimer = RISK_DISCLAIMER
        settings.default_social_image = self.hero_image()
        settings.logo = self.demo_image(LOGO_TITLE, LOGO_TITLE, _draw_logo, "logo.png")
        settings.save()

    def seed_article(self, index: ArticleIndexPage, author: Author) -> None:
        draft = parse_draft(read_draft(SEED_ARTICLE))
        slug = slugify(draft.title)
        if ArticlePage.objects.child_of(index).filter(slug=slug).exists():
            return
        page = article_import(draft=draft, index=index, author=author, slug=slug)
        page.hero_image = self.hero_image()
        page.last_reviewed = timezone.localdate()
        page.save_revision().publish()
        seo_report_refresh(page=page)

    def hero_image(self) -> Image:
        return self.demo_image(HERO_TITLE, HERO_ALT, _draw_hero, "demo-hero.png")

    def demo_image(self, title: str, alt: str, draw, filename: str) -> Image:
        image = Image.objects.filter(title=title).first()
        if image:
            return image
        image = Image(
            title=title,
            description=alt,
            file=ImageFile(io.BytesIO(draw()), name=filename),
        )
        image.save()
        return image


def _png(canvas: PillowImage.Image) -> bytes:
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _draw_logo() -> bytes:
    canvas = PillowImage.new("RGB", (240, 240), (15, 39, 64))
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle((30, 30, 210, 210), radius=24, fill=(164, 88, 42))
    draw.text((120, 120), "B", fill=(15, 39, 64), anchor="mm", font_size=150)
    return _png(canvas)


def _draw_hero() -> bytes:
    """Strata in copper, gold and slate: a demo image made without downloads."""
    width, height = 1600, 900
    canvas = PillowImage.new("RGB", (width, height), (22, 34, 52))
    draw = ImageDraw.Draw(canvas)
    bands = [(28, 45, 66), (48, 62, 82), (184, 115, 51), (92, 74, 58), (212, 175, 55)]
    for number, colour in enumerate(bands):
        top = 260 + number * 120
        draw.polygon(
            [(0, top), (width, top - 180), (width, top - 60), (0, top + 110)],
            fill=colour,
        )
    return _png(canvas)
