"""What the enquiry view needs from the database, kept for when it is down.

The ids of the minerals the form offers and the thank-you page's address, in a
file beside the lead spool (per host, like the spool), rewritten by the worker's
spool job each time it runs (leads/jobs.py).
"""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.urls import reverse

# What a request meets when the database cannot be reached.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)
FILE = "offline.json"


def offline_copies_refresh() -> None:
    from articles.models import Mineral
    from leads.models import ThankYouPage

    page = ThankYouPage.objects.live().public().first()
    copies = {
        "mineral_ids": sorted(Mineral.objects.values_list("pk", flat=True)),
        "thank_you_url": page.url if page else None,
    }
    path = _path()
    if _read() == copies:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(copies))
    os.replace(partial, path)


def known_mineral_ids() -> set[int] | None:
    """The minerals last read from the database; None if never read on this host."""
    ids = _read().get("mineral_ids")
    return None if ids is None else set(ids)


def known_thank_you_url() -> str:
    return _read().get("thank_you_url") or reverse("leads:thank_you")


def _path() -> Path:
    return Path(settings.LEADS_SPOOL_DIR) / FILE


def _read() -> dict:
    try:
        copies = json.loads(_path().read_text())
    except (OSError, ValueError):
        return {}
    return copies if isinstance(copies, dict) else {}
