import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.http import (
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from wagtail.models import Page

from articles.client_address import client_address
from articles.navigation import site_navigation
from leads.forms import LeadForm, utm_from_referer
from leads.offline import DATABASE_UNREACHABLE, known_thank_you_url
from leads.pages import EnquiryPages, enquiry_pages
from leads.ratelimit import parse_rate
from leads.services import RateLimited, lead_create
from leads.spool import spool_append
from leads.tokens import form_token_issue

MAX_BODY_BYTES = 64 * 1024
logger = logging.getLogger(__name__)


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def privacy_url(request) -> str | None:
    return site_navigation(request).privacy_url


def form_refresh(request, form: LeadForm) -> None:
    """Give a form shown again (errors, confirmation) a token of its own."""
    data = form.data.copy()
    if form.token is not None:
        # A new nonce, but the first token's time: a reader who only ticks a
        # box they missed is not caught by the time trap.
        token = form_token_issue(
            issued_at=form.token.issued_at, confirm=form.token.confirm
        )
    else:
        # Sent without JavaScript (or with a token that expired): the time
        # trap counts from this page, and the UTM values come from the address
        # of the page the form was on.
        token = form_token_issue(confirm=True)
        for name, value in utm_from_referer(request).items():
            if not data.get(name):
                data[name] = value
    data["form_token"] = token
    form.data = data


def render_form_page(
    request, form: LeadForm, template: str, submit_label: str, status: int = 200
):
    form_refresh(request, form)
    return render(
        request,
        template,
        {
            "form": form,
            "source_page": _source_page(form),
            "consent_label": form.consent_label_html(privacy_url(request)),
            "action": reverse("leads:enquiry"),
            "submit_label": submit_label,
            "first_on_page": True,
        },
        status=status,
    )


def render_form_errors(request, form: LeadForm):
    return render_form_page(
        request,
        form,
        "leads/enquiry_errors.html",
        submit_label="Send enquiry",
        status=400,
    )


def render_confirmation(request, form: LeadForm):
    """A reader without JavaScript sees their enquiry once more and confirms it."""
    return render_form_page(
        request, form, "leads/enquiry_confirm.html", submit_label="Confirm and send"
    )


def render_confirmation_offline(request, form: LeadForm):
    """The same, without the site's menus and form, which need the database."""
    form_refresh(request, form)
    fields = [
        (name, value)
        for name in form.data
        if name in form.fields
        for value in form.data.getlist(name)
    ]
    return render(request, "leads/enquiry_confirm_offline.html", {"fields": fields})


def render_form_errors_offline(request, form: LeadForm):
    """The errors alone: the site's menus and the form need the database."""
    errors = [
        (form.fields[name].label if name in form.fields else "", message)
        for name, messages in form.errors.items()
        for message in messages
    ]
    return render(
        request, "leads/enquiry_errors_offline.html", {"errors": errors}, status=400
    )


def too_many_requests(request, retry_at: float):
    wait_seconds = max(1, math.ceil(retry_at - time.time()))
    retry_time = timezone.localtime(datetime.fromtimestamp(retry_at, tz=UTC))
    response = render(
        request,
        "leads/too_many_requests.html",
        {
            "wait_minutes": math.ceil(wait_seconds / 60),
            "retry_time": retry_time,
            "limit": parse_rate(settings.LEADS_RATE_LIMIT),
        },
        status=429,
    )
    response["Retry-After"] = str(wait_seconds)
    return response


# The form carries a signed per-response token instead of Django's CSRF token,
# because the page it sits on is served from a shared HTML cache: see
# leads/tokens.py for why that is safe for this one form.
@csrf_exempt
@never_cache
def enquiry(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        return HttpResponseBadRequest("Malformed Content-Length header.")
    if int(length) > MAX_BODY_BYTES:
        return render(request, "leads/request_too_large.html", status=413)
    form = LeadForm(request.POST)
    if not form.is_valid():
        try:
            return render_form_errors(request, form)
        except DATABASE_UNREACHABLE:
            return render_form_errors_offline(request, form)
    if form.needs_confirmation:
        try:
            return render_confirmation(request, form)
        except DATABASE_UNREACHABLE:
            return render_confirmation_offline(request, form)
    # Only a submission that would be kept counts: a reader who corrects a
    # mistake is not refused for it. It is counted in the lead's transaction.
    lead = form.save(commit=False)

    def store() -> EnquiryPages:
        pages = enquiry_pages(request, form.cleaned_data.get("source_page"))
        lead_create(
            lead=lead,
            minerals=form.cleaned_data["minerals"],
            source_page=pages.source,
            form_token=form.cleaned_data["form_token"],
            spam_reason=form.spam_reason,
            validated=True,
            counted_against=client_address(request),
        )
        return pages

    try:
        pages = _on_kept_connection(store)
    except RateLimited as refused:
        return too_many_requests(request, refused.retry_at)
    except DATABASE_UNREACHABLE:
        # Never lose a lead to a database outage: the worker replays the spool.
        _spool(form)
        return HttpResponseSeeOther(known_thank_you_url())
    return HttpResponseSeeOther(pages.thank_you_url)


def _on_kept_connection(work: Callable[[], EnquiryPages]) -> EnquiryPages:
    """work(), without the round trip Django spends checking a kept database
    connection (CONN_HEALTH_CHECKS) before a request's first query: if that
    connection has gone stale (PostgreSQL restarted, a proxy dropped it),
    work() fails on it, and runs once more on a new one, as it would have
    after the check. What fails on a new connection fails as before (the
    enquiry is spooled). A lead that did commit before a failure is found
    again by its token, so the second run stores nothing twice."""
    kept = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
    )
    if not kept:
        return work()
    connection.health_check_done = True
    try:
        return work()
    except DATABASE_UNREACHABLE:
        logger.info("An enquiry failed on a kept database connection: trying a new one")
        connection.close()
        return work()


def _spool(form: LeadForm) -> None:
    data = form.cleaned_data
    spool_append(
        fields={
            name: data[name] for name in LeadForm.Meta.fields if name != "minerals"
        },
        minerals=[getattr(mineral, "pk", mineral) for mineral in data["minerals"]],
        source_page=data.get("source_page"),
        form_token=data["form_token"],
        spam_reason=form.spam_reason,
        submitted_at=timezone.now(),
    )


def _source_page(form: LeadForm) -> Page | None:
    page_id = form.cleaned_data.get("source_page")
    if not page_id:
        return None
    # Its title and URL are shown and stored: never a draft or a private page.
    page = Page.objects.live().public().filter(pk=page_id).first()
    return page.specific if page else None


@never_cache
@require_safe
def form_token(request):
    """A new token for the form on a page a reader just loaded (enquiry.js)."""
    return JsonResponse({"token": form_token_issue()})


def thank_you(request):
    return render(request, "leads/thank_you_fallback.html")
