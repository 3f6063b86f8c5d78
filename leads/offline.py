"""What a reader's enquiry needs from the database, kept for when it is down.

The ids of the minerals the form offers, the thank-you page's address and its
HTML, in files beside the lead spool (per host, like the spool), rewritten by
the worker's spool job each time it runs (leads/jobs.py).
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import reverse

# What a request meets when the database cannot be reached.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
FILE = "offline.json"
THANK_YOU_HTML = "thank-you.html"


def offline_copies_refresh() -> None:
    from articles.models import Mineral
    from leads.models import ThankYouPage

    page = ThankYouPage.objects.live().public().first()
    copies = {
        "mineral_ids": sorted(Mineral.objects.values_list("pk", flat=True)),
        "thank_you_url": page.url if page else None,
    }
    if page is not None:
        # Rendered as Wagtail renders a preview: a request of its own, through
        # every middleware, as an anonymous reader on the site's host.
        response = page.make_preview_request()
        if response.status_code == 200:
            _write(THANK_YOU_HTML, response.content)
    _write(FILE, json.dumps(copies).encode())


def known_mineral_ids() -> set[int] | None:
    """The minerals last read from the database; None if never read on this host."""
    ids = _read().get("mineral_ids")
    return None if ids is None else set(ids)


def known_thank_you_url() -> str:
    return _read().get("thank_you_url") or reverse("leads:thank_you")


class OfflineThankYouMiddleware:
    """The thank-you page from this host's copy when serving it failed (the
    database is down): a reader whose enquiry was spooled is thanked, not shown
    an error page. The failure is logged as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 500 or request.method not in ("GET", "HEAD"):
            return response
        url = _read().get("thank_you_url")
        if not url or urlsplit(url).path != request.path:
            return response
        try:
            html = (_directory() / THANK_YOU_HTML).read_bytes()
        except OSError:
            return response
        return HttpResponse(html)


def _directory() -> Path:
    return Path(settings.LEADS_SPOOL_DIR)


def _read() -> dict:
    try:
        copies = json.loads((_directory() / FILE).read_text())
    except (OSError, ValueError):
        return {}
    return copies if isinstance(copies, dict) else {}


def _write(name: str, content: bytes) -> None:
    path = _directory() / name
    if path.exists() and path.read_bytes() == content:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{name}.{os.getpid()}.partial")
    partial.write_bytes(content)
    os.replace(partial, path)
