from django.urls import path
from wagtail import hooks

from articles.seo_analysis.views import SeoAnalysisView


@hooks.register("register_admin_urls")
def register_seo_urls():
    return [
        path(
            "articles/<int:page_id>/seo-analysis/",
            SeoAnalysisView.as_view(),
            name="articles_seo_analysis",
        ),
    ]
