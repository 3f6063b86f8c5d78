"""Admin views: the live editor analysis, the SEO report listing, the keyword map."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from wagtail.admin.views.pages.preview import PreviewOnCreateView, PreviewOnEditView
from wagtail.models import Page, Site

from articles.models import ArticlePage
from articles.seo_analysis.adapters import analyse_article, seo_context_build
from articles.seo_analysis.registry import READABILITY, SEO
from articles.seo_analysis.services import keyword_map_build
from articles.seo_analysis.widths import cut_title

SOCIAL_CARD_SPEC = "fill-600x315"
UNPROCESSABLE = 422


def editor_report_context(page, request) -> dict:
    """What the editor panel shows for `page`, saved or built from the form."""
    site = Site.find_for_request(request) or page.get_site()
    context = seo_context_build(site=site)
    report = analyse_article(page, context)
    settings = context.site_settings
    meta_title = page.get_meta_title(settings)
    description = page.get_meta_description()
    image = page.get_social_image(settings)
    return {
        "report": report,
        "seo_checks": [c for c in report.checks if c.group == SEO],
        "readability_checks": [c for c in report.checks if c.group == READABILITY],
        "serp": {
            "title": cut_title(meta_title),
            "breadcrumb": _breadcrumb(page, site),
            "description": description,
        },
        "social": {
            "title": meta_title,
            "description": description,
            "domain": site.hostname if site else "",
            "image": image.get_rendition(SOCIAL_CARD_SPEC) if image else None,
        },
    }


def _breadcrumb(page, site) -> str:
    parent = page.get_parent()
    parts = []
    if parent is not None:
        path = parent.specific.get_url_parts()
        if path and path[2]:
            parts = [part for part in path[2].split("/") if part]
    parts.append(page.slug or "")
    host = site.hostname if site else ""
    return " › ".join([host, *[part for part in parts if part]])


class SeoAnalysisMixin:
    """Analyse the edit form's unsaved data, the way Wagtail's preview reads it."""

    http_method_names = ("post",)

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not self.validate_form(form):
            return HttpResponse(
                "<p class='seo-analysis__error'>Fix the errors in the form to update "
                "the analysis.</p>",
                status=UNPROCESSABLE,
            )
        form.save(commit=False)
        return TemplateResponse(
            request,
            "articles/admin/seo_report.html",
            editor_report_context(self.object, request),
        )


class SeoAnalysisView(SeoAnalysisMixin, PreviewOnEditView):
    def get_object(self):
        # Only an article has an analysis: any other page is not found here.
        if not ArticlePage.objects.filter(pk=self.kwargs["page_id"]).exists():
            raise Http404
        return super().get_object()


class SeoAnalysisOnCreateView(SeoAnalysisMixin, PreviewOnCreateView):
    """For a new article under `parent_page_id`, before its first save."""

    def get_object(self):
        parent = get_object_or_404(Page, pk=self.parent_object_id).specific
        if not ArticlePage.can_create_at(parent):
            raise Http404
        return super().get_object()


def keyword_map(request):
    return TemplateResponse(
        request,
        "articles/admin/keyword_map.html",
        {"map": keyword_map_build(user=request.user), "page_title": "Keyword map"},
    )
