from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from articles import checks, edge_cache, indexnow, page_cache  # noqa: F401

        # Shown on every page: the footer, bylines and mineral tags; figures are
        # rendered into every page that cites them.
        page_cache.register_signal_handlers(
            "articles.SiteSettings",
            "articles.Mineral",
            "articles.Author",
            "articles.MarketFigure",
        )
        edge_cache.register_signal_handlers()
        indexnow.register_signal_handlers()
