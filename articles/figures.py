"""Market figures: numbers editors cite inline, kept in one place.

A figure is stored in rich text as a reference, `<embed embedtype="figure"
id="3"/>`, and rendered when the page is (Wagtail's embed rewriter calls
`FigureEmbedHandler`), so editing the figure changes every page that cites it;
the page cache is dropped on every save (`ArticlesConfig.ready()`). The
reference is also what Wagtail's reference index records, so the figure's
usage lists the pages that cite it.
"""

from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.html import format_html
from wagtail.admin.panels import Panel
from wagtail.models import Page, ReferenceIndex
from wagtail.rich_text import EmbedHandler
from wagtail.rich_text.rewriters import EmbedRewriter

EMBED_TYPE = "figure"
DATE_FORMAT = "j F Y"


class MarketFigure(models.Model):
    name = models.CharField(
        max_length=120,
        unique=True,
        help_text="What the figure measures, e.g. 'Reko Diq copper reserves'.",
    )
    value = models.DecimalField(max_digits=20, decimal_places=6)
    unit = models.CharField(
        max_length=40, blank=True, help_text="e.g. 'Mt copper', 'USD billion', '%'."
    )
    source_url = models.URLField("Source URL", blank=True)
    as_of = models.DateField(
        "As of", help_text="The date the figure describes; readers see it."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "market figure"

    def __str__(self) -> str:
        return f"{self.name}: {self.display_value}"

    @property
    def number(self) -> str:
        """The value without trailing zeros, digits grouped: 5,900,000 or 5.9."""
        return format(Decimal(self.value).normalize(), ",f")

    @property
    def display_value(self) -> str:
        return f"{self.number} {self.unit}".strip()

    def render_html(self) -> str:
        """What readers see where the figure is cited."""
        when = format_html(
            '<time datetime="{}">{}</time>',
            self.as_of.isoformat(),
            format_date(self.as_of, DATE_FORMAT),
        )
        source = (
            format_html(', <a href="{}" rel="noopener">source</a>', self.source_url)
            if self.source_url
            else ""
        )
        return format_html(
            '<span class="market-figure"><data value="{}">{}</data> '
            '<span class="market-figure-as-of">(as of {}{})</span></span>',
            format(Decimal(self.value).normalize(), "f"),
            self.display_value,
            when,
            source,
        )

    def render_text(self) -> str:
        return f"{self.display_value} (as of {format_date(self.as_of, DATE_FORMAT)})"

    def pages_citing(self):
        """Pages whose saved content cites this figure, per the reference index."""
        page_ids = (
            ReferenceIndex.get_references_to(self)
            .filter(base_content_type=ContentType.objects.get_for_model(Page))
            .values_list("object_id", flat=True)
        )
        return Page.objects.filter(pk__in=[int(pk) for pk in page_ids]).order_by(
            "title"
        )


class FigureEmbedHandler(EmbedHandler):
    identifier = EMBED_TYPE

    @staticmethod
    def get_model():
        return MarketFigure

    @classmethod
    def get_many(cls, attrs_list: list[dict]) -> list[MarketFigure | None]:
        ids = [figure_id_of(attrs) for attrs in attrs_list]
        found = MarketFigure.objects.in_bulk([pk for pk in ids if pk is not None])
        return [found.get(pk) for pk in ids]

    @classmethod
    def expand_db_attributes(cls, attrs: dict) -> str:
        return cls.expand_db_attributes_many([attrs])[0]

    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        # A deleted figure leaves nothing behind rather than a broken sentence part.
        return [
            figure.render_html() if figure else ""
            for figure in cls.get_many(attrs_list)
        ]

    @classmethod
    def extract_references(cls, attrs):
        if figure_id_of(attrs) is not None:
            yield MarketFigure, attrs["id"], "", ""


def figure_id_of(attrs: dict) -> int | None:
    """The stored id, or None for one an editor or an import garbled."""
    value = attrs.get("id", "")
    return int(value) if value.isdigit() else None


def _figures_as_text(attrs_list: list[dict]) -> list[str]:
    return [
        figure.render_text() if figure else ""
        for figure in FigureEmbedHandler.get_many(attrs_list)
    ]


_text_rewriter = EmbedRewriter(bulk_rules={EMBED_TYPE: _figures_as_text})


def figures_as_text(source: str) -> str:
    """Stored rich text with each figure reference replaced by its words."""
    if f'embedtype="{EMBED_TYPE}"' not in source:
        return source
    return _text_rewriter(source)


class FigureUsagePanel(Panel):
    """The pages citing the figure, on its edit view."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "articles/admin/figure_usage_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            figure = self.instance
            context["pages"] = figure.pages_citing() if figure.pk else []
            return context


def articles_with_stale_figures(review_days: int):
    """(article, reason) for each live article citing a figure older than
    `review_days`: the review cycle's "Due for review" reasons."""
    from articles.models import ArticlePage

    cutoff = timezone.localdate() - timedelta(days=review_days)
    stale = {
        str(figure.pk): figure
        for figure in MarketFigure.objects.filter(as_of__lt=cutoff)
    }
    if not stale:
        return []
    cited: dict[int, list[MarketFigure]] = {}
    references = (
        ReferenceIndex.objects.filter(
            to_content_type=ContentType.objects.get_for_model(MarketFigure),
            to_object_id__in=list(stale),
            base_content_type=ContentType.objects.get_for_model(Page),
        )
        .values_list("object_id", "to_object_id")
        .distinct()
    )
    for page_id, figure_id in references:
        cited.setdefault(int(page_id), []).append(stale[figure_id])
    pairs = []
    for page in ArticlePage.objects.live().filter(pk__in=cited).order_by("title"):
        figures = sorted(cited[page.pk], key=lambda figure: figure.as_of)
        names = "; ".join(
            f"{figure.name} (as of {format_date(figure.as_of, DATE_FORMAT)})"
            for figure in figures
        )
        pairs.append((page, f"Figures older than {review_days} days: {names}"))
    return pairs
