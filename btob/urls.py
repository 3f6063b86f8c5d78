from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from articles import indexnow
from articles import views as article_views
from articles.feeds import LatestArticlesFeed
from articles.page_cache import page_cacheable

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("search/", article_views.search, name="search"),
    path("sitemap.xml", page_cacheable(sitemap), name="sitemap"),
    path("robots.txt", page_cacheable(article_views.robots_txt), name="robots_txt"),
    re_path(
        rf"^(?P<key>{indexnow.KEY_PATTERN})\.txt$",
        indexnow.key_file,
        name="indexnow_key",
    ),
    path("feed/", page_cacheable(LatestArticlesFeed()), name="article_feed"),
    path("leads/", include("leads.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
