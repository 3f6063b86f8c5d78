from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import cached_property
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager
from wagtail.query import PageQuerySet
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from articles.blocks import ArticleBodyBlock, SectionContentBlock
from articles.extensions import ARTICLE_EDITOR_PANELS, ContributedObjectList
from articles.figures import MarketFigure  # noqa: F401 - a model of this app
from articles.not_found import NotFoundHit  # noqa: F401 - a model of this app
from articles.page_cache import mark_cacheable
from articles.paging import page_of
from articles.seo_analysis.panels import SeoAnalysisPanel
from articles.text import first_paragraph_text, truncate_words

META_DESCRIPTION_MAX = 155
ARTICLES_PER_PAGE = 12
MIN_SUBTITLE_DESCRIPTION = 70


@register_snippet
class Mineral(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    aliases = models.CharField(
        max_length=255,
        blank=True,
        help_text="Comma-separated words that mark an article as about this "
        "mineral, e.g. 'REE, rare earth elements'.",
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("aliases")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def match_terms(self) -> list[str]:
        terms = [self.name, *self.aliases.split(",")]
        return [term.strip().lower() for term in terms if term.strip()]


@register_snippet
class Author(models.Model):
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("photo"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    organisation_name = models.CharField(max_length=120, default="BTOB Services")
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    contact_email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    linkedin_url = models.URLField("LinkedIn", blank=True)
    x_url = models.URLField("X (Twitter)", blank=True)
    facebook_url = models.URLField("Facebook", blank=True)
    youtube_url = models.URLField("YouTube", blank=True)
    default_social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Used when a page has neither a social image nor a hero image.",
    )
    title_suffix = models.CharField(
        max_length=60,
        default="BTOB Services",
        blank=True,
        help_text="Appended to every title tag after a separator.",
    )
    risk_disclaimer = models.TextField(
        blank=True,
        help_text="Investment-risk disclaimer shown at the end of every article.",
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Linked from the footer and from every consent checkbox.",
    )
    contact_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where 'Talk to our advisors' leads; highlighted in the menu.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("logo"),
                FieldPanel("contact_email"),
                FieldPanel("phone"),
                FieldPanel("address"),
            ],
            heading="Organisation",
        ),
        MultiFieldPanel(
            [FieldPanel("contact_page"), FieldPanel("privacy_page")],
            heading="Key pages",
        ),
        MultiFieldPanel(
            [
                FieldPanel("linkedin_url"),
                FieldPanel("x_url"),
                FieldPanel("facebook_url"),
                FieldPanel("youtube_url"),
            ],
            heading="Social profiles",
        ),
        MultiFieldPanel(
            [
                FieldPanel("title_suffix"),
                FieldPanel("default_social_image"),
                FieldPanel("risk_disclaimer"),
            ],
            heading="Search and sharing",
        ),
    ]

    class Meta:
        verbose_name = "Site settings"

    def social_profiles(self) -> list[str]:
        return [
            url
            for url in (
                self.linkedin_url,
                self.x_url,
                self.facebook_url,
                self.youtube_url,
            )
            if url
        ]


class SeoPage(Page):
    """Abstract base: the promote-tab SEO fields every public page shares."""

    canonical_url = models.URLField(
        "Canonical URL override",
        blank=True,
        help_text="Only when this content's original lives at another address.",
    )
    noindex = models.BooleanField(
        "Hide from search engines",
        default=False,
        help_text="Adds a robots noindex tag and leaves the page out of the sitemap.",
    )
    social_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown when the page is shared; 1200×630 works best.",
    )

    promote_panels = [
        MultiFieldPanel(
            [
                FieldPanel("slug"),
                FieldPanel("seo_title", heading="Title tag"),
                FieldPanel("search_description", heading="Meta description"),
                FieldPanel("canonical_url"),
                FieldPanel("noindex"),
                FieldPanel("social_image"),
            ],
            heading="Search engines and sharing",
        ),
        MultiFieldPanel(
            [FieldPanel("show_in_menus")],
            heading="Site navigation",
        ),
    ]

    class Meta:
        abstract = True

    def get_meta_title(self, site_settings: SiteSettings | None) -> str:
        title = self.seo_title or self.title
        suffix = site_settings.title_suffix if site_settings else ""
        if suffix and suffix.lower() not in title.lower():
            return f"{title} | {suffix}"
        return title

    def fallback_description_source(self) -> str:
        return ""

    def get_meta_description(self) -> str:
        source = self.search_description or self.fallback_description_source()
        return truncate_words(source, META_DESCRIPTION_MAX)

    def get_social_image(self, site_settings: SiteSettings | None):
        return (
            self.social_image
            or getattr(self, "hero_image", None)
            or (site_settings.default_social_image if site_settings else None)
        )

    def get_canonical_url(self, request) -> str:
        return self.canonical_url or request.build_absolute_uri(self.get_url(request))

    @cached_property
    def breadcrumb_pages(self) -> list[Page]:
        """This page and its ancestors below the tree root, fetched once."""
        return [*self.get_ancestors()[1:], self]

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if not getattr(request, "is_preview", False) and self.live:
            mark_cacheable(response)
        return response

    def get_sitemap_urls(self, request=None):
        if self.noindex:
            return []
        entries = super().get_sitemap_urls(request)
        if request is not None:
            for entry in entries:
                entry["location"] = request.build_absolute_uri(self.get_url(request))
        return entries


class HomePage(SeoPage):
    intro = models.TextField(blank=True)
    featured_count = models.PositiveSmallIntegerField(default=6)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("featured_count"),
    ]

    # Each page type names the parents it may live under (leads' pages too),
    # so the home page lists none of its own.
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    def fallback_description_source(self) -> str:
        return self.intro

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_articles"] = (
            ArticlePage.objects.live().public().newest_first().card_data()
        )[: self.featured_count]
        context["article_index"] = (
            ArticleIndexPage.objects.live().child_of(self).first()
        )
        return context


class StandardPage(SeoPage):
    """Plain content pages: about, privacy policy, terms."""

    intro = models.TextField(blank=True)
    body = StreamField(SectionContentBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    parent_page_types = ["articles.HomePage", "articles.StandardPage"]
    subpage_types = ["articles.StandardPage"]

    def fallback_description_source(self) -> str:
        return self.intro or first_paragraph_text(self.body)


class ArticleIndexPage(SeoPage):
    intro = models.TextField(blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["articles.HomePage"]
    subpage_types = ["articles.ArticlePage"]

    def fallback_description_source(self) -> str:
        return self.intro

    def get_articles(self, mineral: "Mineral | None" = None):
        articles = (
            ArticlePage.objects.live()
            .public()
            .child_of(self)
            .newest_first()
            .card_data()
        )
        if mineral is not None:
            articles = articles.filter(minerals=mineral)
        return articles

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        minerals = Mineral.objects.filter(
            articles__in=ArticlePage.objects.live().child_of(self)
        ).distinct()
        selected = minerals.filter(slug=request.GET.get("mineral", "")).first()
        context.update(
            articles=page_of(request, self.get_articles(selected), ARTICLES_PER_PAGE),
            minerals=minerals,
            selected_mineral=selected,
        )
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "articles.ArticlePage",
        related_name="tagged_items",
        on_delete=models.CASCADE,
    )


class ArticlePageQuerySet(PageQuerySet):
    def card_data(self):
        """What an article card needs, fetched in a fixed number of queries."""
        return self.select_related("hero_image", "author").prefetch_related("minerals")

    def newest_first(self):
        return self.order_by("-date_published", "-first_published_at")


class ArticlePage(SeoPage):
    subtitle = models.CharField(max_length=255, blank=True)
    date_published = models.DateField("Publication date", default=timezone.localdate)
    last_reviewed = models.DateField(
        "Last reviewed",
        null=True,
        blank=True,
        help_text="When an editor last checked the facts and figures.",
    )
    # Set only by "Mark reviewed" (articles.review.article_mark_reviewed).
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Last reviewed by",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_by = models.DateField(
        "Review by",
        null=True,
        blank=True,
        help_text="Leave blank for the usual schedule after the last review or "
        "publication. Marking the article reviewed clears it.",
    )
    author = models.ForeignKey(
        "articles.Author",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    introduction = models.TextField(
        blank=True, help_text="The opening paragraph, shown above the body."
    )
    body = StreamField(ArticleBodyBlock(), blank=True)
    minerals = ParentalManyToManyField(
        "articles.Mineral", blank=True, related_name="articles"
    )
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)
    primary_keyword = models.CharField(
        "Primary keyword",
        max_length=120,
        blank=True,
        help_text="The one phrase this article should rank for.",
    )

    content_panels = Page.content_panels + [
        FieldPanel("subtitle"),
        FieldPanel("date_published"),
        MultiFieldPanel(
            [
                # Read-only: an edit form opened before "Mark reviewed" must
                # not write the old date back when it is saved.
                FieldRowPanel(
                    [
                        FieldPanel("last_reviewed", read_only=True),
                        FieldPanel("last_reviewed_by", read_only=True),
                    ]
                ),
                FieldPanel("review_by"),
            ],
            heading="Review",
        ),
        FieldPanel("author"),
        FieldPanel("hero_image"),
        FieldPanel("introduction"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("minerals"), FieldPanel("tags")], heading="Taxonomy"
        ),
    ]
    promote_panels = [
        SeoAnalysisPanel(heading="SEO analysis"),
        MultiFieldPanel(
            [
                FieldPanel("primary_keyword"),
                InlinePanel(
                    "secondary_keywords",
                    label="Secondary keyword",
                    heading="Secondary keywords",
                ),
            ],
            heading="Keywords",
        ),
        *SeoPage.promote_panels,
    ]
    edit_handler = TabbedInterface(
        [
            ContributedObjectList(
                content_panels, heading="Content", hook_name=ARTICLE_EDITOR_PANELS
            ),
            ObjectList(promote_panels, heading="Promote"),
            ObjectList(Page.settings_panels, heading="Settings"),
        ]
    )
    search_fields = Page.search_fields + [
        index.SearchField("subtitle"),
        index.SearchField("introduction"),
        index.SearchField("body"),
        index.SearchField("primary_keyword"),
        index.FilterField("date_published"),
        index.RelatedFields("minerals", [index.SearchField("name")]),
    ]

    parent_page_types = ["articles.ArticleIndexPage"]
    subpage_types: list[str] = []

    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    def fallback_description_source(self) -> str:
        # A short strapline makes a thin snippet; the opening paragraph reads better.
        if len(self.subtitle) >= MIN_SUBTITLE_DESCRIPTION:
            return self.subtitle
        return self.introduction or first_paragraph_text(self.body) or self.subtitle

    @property
    def ends_with_call_to_action(self) -> bool:
        """A body that closes on its own call to action needs no second form."""
        return bool(self.body) and self.body[-1].block_type == "call_to_action"

    @property
    def index_page(self) -> Page:
        return self.breadcrumb_pages[-2]

    @cached_property
    def mineral_list(self) -> list[Mineral]:
        return list(self.minerals.all())

    @cached_property
    def tag_list(self) -> list:
        return list(self.tags.all())

    @property
    def secondary_keyword_list(self) -> list[str]:
        return [item.keyword for item in self.secondary_keywords.all()]

    @property
    def keywords(self) -> list[str]:
        return [k for k in [self.primary_keyword, *self.secondary_keyword_list] if k]

    @property
    def modified_at(self):
        """The later of the last publication and the last review."""
        modified = self.last_published_at or self.latest_revision_created_at
        reviewed = self.last_reviewed
        if reviewed and (modified is None or reviewed > timezone.localdate(modified)):
            return reviewed
        return modified

    @property
    def reviewed_or_published(self) -> date:
        """The date the article's figures were last known good."""
        return self.last_reviewed or self.date_published

    @property
    def review_due(self) -> date:
        """The editor's review-by date, else ARTICLE_REVIEW_DAYS after that."""
        if self.review_by:
            return self.review_by
        return self.reviewed_or_published + timedelta(days=settings.ARTICLE_REVIEW_DAYS)

    @property
    def is_stale(self) -> bool:
        age = timezone.localdate() - self.reviewed_or_published
        return age > timedelta(days=settings.ARTICLE_STALE_DAYS)

    def get_related_articles(self, limit: int = 3):
        mineral_ids = [mineral.pk for mineral in self.mineral_list]
        if not mineral_ids:
            return ArticlePage.objects.none()
        return (
            ArticlePage.objects.live()
            .public()
            .exclude(pk=self.pk)
            .filter(minerals__in=mineral_ids)
            .annotate(shared=Count("minerals", filter=Q(minerals__in=mineral_ids)))
            .order_by("-shared", "-date_published")
            .card_data()[:limit]
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related_articles"] = self.get_related_articles()
        return context


class ArticleSecondaryKeyword(Orderable):
    page = ParentalKey(
        ArticlePage, on_delete=models.CASCADE, related_name="secondary_keywords"
    )
    keyword = models.CharField(max_length=120)

    panels = [FieldPanel("keyword")]

    def __str__(self) -> str:
        return self.keyword


@register_setting(icon="search")
class SeoSettings(BaseSiteSetting):
    glossary = models.TextField(
        "Mining glossary",
        blank=True,
        help_text="One term a line, e.g. 'heap leaching'. These terms do not count "
        "against readability, on top of the built-in list (beneficiation, porphyry, "
        "concentrate, offtake, tailings and more).",
    )

    panels = [FieldPanel("glossary")]

    class Meta:
        verbose_name = "SEO analysis"

    def glossary_terms(self) -> list[str]:
        return [line.strip() for line in self.glossary.splitlines() if line.strip()]


class ArticleSeoReport(models.Model):
    """The last computed analysis of an article, for listings and filters."""

    page = models.OneToOneField(
        ArticlePage,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="seo_report",
    )
    seo_score = models.PositiveSmallIntegerField()
    readability_score = models.PositiveSmallIntegerField()
    problems = models.PositiveSmallIntegerField(help_text="Checks with status bad.")
    checks = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(seo_score__lte=100) & Q(readability_score__lte=100),
                name="articleseoreport_scores_at_most_100",
            )
        ]

    def __str__(self) -> str:
        return f"SEO {self.seo_score}, readability {self.readability_score}"


class PeriodicJob(models.Model):
    """When a job of `articles.periodic` last ran; its row is what workers claim."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class PageDailyCount(models.Model):
    """Views and lead-form starts of one page on one day: counts, nothing per reader.

    Written only by `articles.page_stats`, one atomic increment per beacon.
    """

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    form_starts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page", "day"], name="pagedailycount_one_per_page_and_day"
            )
        ]
        indexes = [models.Index(fields=["day"], name="pagedailycount_day_idx")]

    def __str__(self) -> str:
        return f"Page {self.page_id} on {self.day}: {self.views} views"
