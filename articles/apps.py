from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from articles import checks, edge_cache, indexnow, page_cache  # noqa: F401

        # Shown on every page: the footer, bylines and mineral tags.
        page_cache.register_signal_handlers(
            "articles.SiteSettings", "articles.Mineral", "articles.Author"
        )
        edge_cache.register_signal_handlers()
        indexnow.register_signal_handlers()
