from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from articles import checks, indexnow, page_cache  # noqa: F401

        # Shown on every page: the footer, bylines and mineral tags; figures are
        # rendered into every page that cites them.
        page_cache.register_signal_handlers(
            "articles.SiteSettings",
            "articles.Mineral",
            "articles.Author",
            "articles.MarketFigure",
        )
        indexnow.register_signal_handlers()
