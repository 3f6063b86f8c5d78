from django.template.loader import render_to_string
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from articles.extensions import (
    ARTICLE_EDITOR_PANELS,
    CALL_TO_ACTION_FORM,
    DEMO_CONTENT,
    demo_child_ensure,
)
from articles.models import SiteSettings
from leads.models import ContactPage, ThankYouPage
from leads.panels import FunnelPanel
from leads.reports import article_performance
from leads.templatetags.lead_tags import lead_form_context


@hooks.register(CALL_TO_ACTION_FORM)
def render_lead_form(context, submit_label: str) -> str:
    return render_to_string(
        "leads/includes/lead_form.html",
        lead_form_context(context, submit_label),
        request=context.get("request"),
    )


@hooks.register(ARTICLE_EDITOR_PANELS)
def funnel_panel() -> list:
    return [FunnelPanel(heading="Performance: from views to won business")]


@hooks.register("register_admin_urls")
def register_report_urls():
    return [
        path(
            "reports/article-performance/",
            article_performance,
            name="article_performance",
        )
    ]


@hooks.register("register_reports_menu_item")
def register_article_performance_menu_item():
    return MenuItem(
        "Article performance",
        reverse("article_performance"),
        icon_name="table",
        order=50,
    )


@hooks.register(DEMO_CONTENT)
def build_demo_pages(home) -> None:
    contact = demo_child_ensure(
        home,
        ContactPage,
        slug="contact",
        title="Contact us",
        intro="<p>Tell us what you are looking for in Pakistan's mineral sector; "
        "an adviser will reply within two working days.</p>",
        show_in_menus=True,
    )
    demo_child_ensure(
        home,
        ThankYouPage,
        slug="thank-you",
        title="Thank you for your enquiry",
        intro="<p>We have received your details and will reply within two "
        "working days.</p>",
        noindex=True,
    )
    for site in home.sites_rooted_here.all():
        settings = SiteSettings.for_site(site)
        if settings.contact_page_id is None:
            settings.contact_page = contact
            settings.save(update_fields=["contact_page"])
