"""The conversion funnel per article: views, form starts, leads, qualified, won.

Views and form starts come from `articles.page_stats` (counts per page and
day); leads from `Lead.source_page`. Each figure is one aggregate query over
all articles, never a query per article.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from wagtail.models import Site

from articles.models import ArticlePage, PageDailyCount
from articles.page_stats import page_counts
from leads.models import Lead

# The periods offered, in days; None is all time.
PERIODS = {"7": 7, "30": 30, "90": 90, "all": None}
PERIOD_LABELS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}
PERIOD_LABELS["all"] = "All time"
COUNTS = ("views", "form_starts", "leads", "qualified", "won")
# Reached "qualified": sales marked it qualified, or it went on to be won.
QUALIFIED = Q(status__in=[Lead.Status.QUALIFIED, Lead.Status.WON])
WON = Q(status=Lead.Status.WON)
# A field whose whole value is shared only with users allowed to see leads.
VALUE_PERMISSION = "leads.view_lead"


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class FunnelRow:
    title: str
    url: str = ""
    page_id: int | None = None
    minerals: list[str] = field(default_factory=list)
    views: int = 0
    form_starts: int = 0
    leads: int = 0
    qualified: int = 0
    won: int = 0
    won_value: Decimal = Decimal("0")

    @property
    def start_rate(self) -> float | None:
        """Form starts per view."""
        return rate(self.form_starts, self.views)

    @property
    def lead_rate(self) -> float | None:
        """Leads per view."""
        return rate(self.leads, self.views)

    @property
    def qualified_rate(self) -> float | None:
        """Qualified per lead."""
        return rate(self.qualified, self.leads)

    @property
    def won_rate(self) -> float | None:
        """Won per qualified lead."""
        return rate(self.won, self.qualified)

    def add(self, other: "FunnelRow") -> None:
        for name in (*COUNTS, "won_value"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def since_for(days: int | None):
    """The first moment and the first day of a period of `days` days."""
    if days is None:
        return None, None
    now = timezone.now()
    return now - timedelta(days=days), timezone.localdate(now) - timedelta(days - 1)


def lead_totals(leads, *by: str) -> dict:
    """Leads, qualified, won and won value, grouped by the fields `by`."""
    rows = (
        leads.exclude(status=Lead.Status.SPAM)
        .values(*by)
        .order_by()
        .annotate(
            leads=Count("pk"),
            qualified=Count("pk", filter=QUALIFIED),
            won=Count("pk", filter=WON),
            won_value=Sum("deal_value", filter=WON),
        )
    )
    return {tuple(row[name] for name in by): row for row in rows}


def _page_urls(articles: list[dict]) -> dict[int, str]:
    roots = Site.get_site_root_paths()
    urls = {}
    for article in articles:
        for root in roots:
            if article["live"] and article["url_path"].startswith(root.root_path):
                rest = article["url_path"][len(root.root_path) :]
                urls[article["id"]] = f"{root.root_url}/{rest}"
                break
    return urls


def article_funnel(*, days: int | None = None, mineral: str = "") -> list[FunnelRow]:
    """One row per article (filtered by mineral slug), ordered by title."""
    articles = ArticlePage.objects.order_by("title", "pk")
    if mineral:
        articles = articles.filter(minerals__slug=mineral)
    articles = list(articles.values("id", "title", "url_path", "live"))
    ids = [article["id"] for article in articles]
    since, first_day = since_for(days)
    views = page_counts(since=first_day)
    leads = Lead.objects.filter(source_page_id__in=ids)
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    lead_rows = lead_totals(leads, "source_page_id")
    names = defaultdict(list)
    through = ArticlePage.minerals.through.objects.filter(articlepage_id__in=ids)
    for page_id, name in through.order_by("mineral__name").values_list(
        "articlepage_id", "mineral__name"
    ):
        names[page_id].append(name)
    urls = _page_urls(articles)
    rows = []
    for article in articles:
        page_id = article["id"]
        counted = views.get(page_id, {})
        totals = lead_rows.get((page_id,), {})
        rows.append(
            FunnelRow(
                title=article["title"],
                url=urls.get(page_id, ""),
                page_id=page_id,
                minerals=names[page_id],
                views=counted.get("views", 0),
                form_starts=counted.get("form_starts", 0),
                leads=totals.get("leads", 0),
                qualified=totals.get("qualified", 0),
                won=totals.get("won", 0),
                won_value=totals.get("won_value") or Decimal("0"),
            )
        )
    return rows


def mineral_totals(rows: list[FunnelRow]) -> list[FunnelRow]:
    """The rows summed per mineral; an article about two minerals counts in both."""
    totals: dict[str, FunnelRow] = {}
    for row in rows:
        for name in row.minerals or ["(no mineral)"]:
            totals.setdefault(name, FunnelRow(title=name)).add(row)
    return sorted(totals.values(), key=lambda total: total.title.lower())


def campaign_totals(*, days: int | None = None) -> list[FunnelRow]:
    """Leads and won value per UTM source and campaign, most leads first."""
    since, _ = since_for(days)
    leads = Lead.objects.all()
    if since is not None:
        leads = leads.filter(created_at__gte=since)
    rows = []
    for (source, campaign), totals in lead_totals(
        leads, "utm_source", "utm_campaign"
    ).items():
        title = f"{source or '(none)'} / {campaign or '(none)'}"
        rows.append(
            FunnelRow(
                title=title,
                leads=totals["leads"],
                qualified=totals["qualified"],
                won=totals["won"],
                won_value=totals["won_value"] or Decimal("0"),
            )
        )
    return sorted(rows, key=lambda row: (-row.leads, row.title))


def page_funnel(page_id: int) -> dict[str, FunnelRow]:
    """One page's funnel for each period in `PERIODS`, in two queries."""
    view_sums, lead_sums = {}, {}
    for key, days in PERIODS.items():
        since, first_day = since_for(days)
        in_days = Q(day__gte=first_day) if first_day else Q()
        in_time = Q(created_at__gte=since) if since else Q()
        view_sums[f"views_{key}"] = Sum("views", filter=in_days)
        view_sums[f"form_starts_{key}"] = Sum("form_starts", filter=in_days)
        lead_sums[f"leads_{key}"] = Count("pk", filter=in_time)
        lead_sums[f"qualified_{key}"] = Count("pk", filter=in_time & QUALIFIED)
        lead_sums[f"won_{key}"] = Count("pk", filter=in_time & WON)
        lead_sums[f"won_value_{key}"] = Sum("deal_value", filter=in_time & WON)
    counted = PageDailyCount.objects.filter(page_id=page_id).aggregate(**view_sums)
    leads = (
        Lead.objects.filter(source_page_id=page_id)
        .exclude(status=Lead.Status.SPAM)
        .aggregate(**lead_sums)
    )
    found = {**counted, **leads}
    return {
        key: FunnelRow(
            title=PERIOD_LABELS[key],
            page_id=page_id,
            **{name: found[f"{name}_{key}"] or 0 for name in COUNTS},
            won_value=found[f"won_value_{key}"] or Decimal("0"),
        )
        for key in PERIODS
    }
