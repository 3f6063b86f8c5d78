from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Rss201rev2Feed

from articles.models import ArticlePage, SiteSettings

FEED_LENGTH = 20


class LatestArticlesFeed(Feed):
    feed_type = Rss201rev2Feed
    description = "Analysis of Pakistan's mineral sector for global investors."

    def __call__(self, request, *args, **kwargs):
        self.request = request
        self.site_settings = SiteSettings.for_request(request)
        return super().__call__(request, *args, **kwargs)

    def title(self):
        return f"{self.site_settings.organisation_name}: latest articles"

    def link(self):
        return "/"

    def items(self):
        return (
            ArticlePage.objects.live()
            .public()
            .filter(noindex=False)
            .newest_first()
            .select_related("author")
            .prefetch_related("minerals")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.get_meta_description()

    def item_link(self, item):
        return item.get_url(self.request)

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at

    def item_author_name(self, item):
        return item.author.name if item.author else None

    def item_categories(self, item):
        return [mineral.name for mineral in item.minerals.all()]
