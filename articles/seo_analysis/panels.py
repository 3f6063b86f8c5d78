from django.urls import reverse
from wagtail.admin.panels import Panel


class SeoAnalysisPanel(Panel):
    """Scores, checks and previews, refreshed from the form as the editor types."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "articles/admin/seo_panel.html"

        class Media:
            js = ["articles/seo-panel.js"]
            css = {"all": ["articles/seo-panel.css"]}

        def get_context_data(self, parent_context=None):
            from articles.seo_analysis.views import editor_report_context

            context = super().get_context_data(parent_context)
            page = self.instance
            if page.pk:
                context["analysis_url"] = reverse(
                    "articles_seo_analysis", args=[page.pk]
                )
                context.update(editor_report_context(page, self.request))
            elif parent_id := self.request.resolver_match.kwargs.get("parent_page_id"):
                # A new page has no place in the tree yet: the first analysis
                # arrives from the form, as soon as the script sends it.
                context["analysis_url"] = reverse(
                    "articles_seo_analysis_on_create", args=[parent_id]
                )
            return context
