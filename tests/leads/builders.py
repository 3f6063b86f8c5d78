"""Builders for the leads tests."""

import time

from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from articles.models import SiteSettings, StandardPage
from leads.forms import CONSENT_TEXT
from leads.models import ContactPage, Lead, ThankYouPage
from leads.services import contact_link
from leads.tokens import form_token_issue
from tests.builders import make_home

NOTIFY = ["sales@btobservices.pk", "ceo@btobservices.pk"]


def parse(response_or_html) -> BeautifulSoup:
    html = getattr(response_or_html, "content", response_or_html)
    return BeautifulSoup(html, "html5lib")


def make_site_pages() -> dict:
    """Privacy, contact and thank-you pages under the home page."""
    home = make_home()
    pages = {}
    for key, page_class, fields in (
        ("privacy", StandardPage, {"title": "Privacy policy", "slug": "privacy"}),
        ("contact", ContactPage, {"title": "Contact us", "slug": "contact"}),
        (
            "thank_you",
            ThankYouPage,
            {"title": "Thank you for your enquiry", "slug": "thank-you"},
        ),
    ):
        page = page_class.objects.filter(slug=fields["slug"]).first()
        if page is None:
            page = home.add_child(instance=page_class(**fields))
            page.save_revision().publish()
        pages[key] = page
    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.privacy_page = pages["privacy"]
    settings.contact_page = pages["contact"]
    settings.save()
    return pages


def form_data(*, seconds_ago: float = 10, **overrides) -> dict:
    """A valid POST for the lead form, rendered `seconds_ago` (past the time trap)."""
    data = {
        "name": "Amina Qureshi",
        "email": "amina@example.com",
        "company": "Indus Capital",
        "phone": "+92 300 1234567",
        "country": "Pakistan",
        "message": "We would like to discuss copper offtake.",
        "investor_type": Lead.InvestorType.FUND,
        "investment_range": Lead.InvestmentRange.FROM_10M,
        "consent": "on",
        "form_token": form_token_issue(issued_at=time.time() - seconds_ago),
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def build_lead(**overrides) -> Lead:
    """An unsaved lead as the form leaves it, for `lead_create`."""
    fields = {"name": "Amina Qureshi", "email": "amina@example.com", "consent": True}
    return Lead(**{**fields, **overrides})


def make_lead(**overrides) -> Lead:
    fields = {
        "name": "Amina Qureshi",
        "email": "amina@example.com",
        "company": "Indus Capital",
        "consent": True,
        "consent_at": timezone.now(),
        "consent_text": CONSENT_TEXT,
        **overrides,
    }
    minerals = fields.pop("minerals", ())
    with transaction.atomic():
        lead = Lead.objects.create(**fields)
        lead.minerals.set(minerals)
        if lead.email and lead.erased_at is None:
            lead.contact_id = contact_link(lead=lead)
            lead.save(update_fields=["contact"])
    return lead


def make_staff(django_user_model, username: str, *groups: str, **fields):
    user = django_user_model.objects.create_user(
        username=username,
        email=f"{username}@btobservices.pk",
        password="correct-horse-battery",
        is_staff=fields.pop("is_staff", True),
        **fields,
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def form_fields(form) -> dict[str, str]:
    """The names and values a browser would send for a parsed <form>."""
    return {
        field["name"]: field.get("value", "")
        for field in form.find_all("input")
        if field.get("type") == "hidden"
    }


def run_worker() -> None:
    """Run every task that is due, in this process, as `db_worker` would."""
    call_command(
        "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
    )
