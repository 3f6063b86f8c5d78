"""Signed form tokens: the CSRF defence, idempotency key and time trap of the lead form.

Pages are served from shared caches (ours, a proxy's, a CDN's), so no token
can live in their HTML. A reader's browser fetches one when the page loads
(static/js/enquiry.js asks `form_token_view`); a reader without JavaScript
posts without one and is handed one on the "Confirm your enquiry" page. A token
is signed with SECRET_KEY and holds a random nonce (the idempotency key of one
form), the time it was issued (the time trap) and whether a confirmation page
issued it. A forged token fails the signature; an old one expires; a cross-site
post gains nothing, because the form only creates a lead and carries no
session or privileges.
"""

import secrets
import time
from dataclasses import dataclass

from django.core import signing

SALT = "leads.form-token"
MAX_AGE_SECONDS = 24 * 60 * 60
# From page load to a filled form: a person needs longer than this.
MIN_FILL_SECONDS = 3.0
# From the confirmation page (everything already filled) to its one button.
MIN_CONFIRM_SECONDS = 1.0


@dataclass(frozen=True)
class FormToken:
    nonce: str
    issued_at: float
    confirm: bool = False

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.issued_at

    @property
    def too_fast(self) -> bool:
        return self.age() < (MIN_CONFIRM_SECONDS if self.confirm else MIN_FILL_SECONDS)


def form_token_issue(*, issued_at: float | None = None, confirm: bool = False) -> str:
    issued = time.time() if issued_at is None else issued_at
    data = {"n": secrets.token_urlsafe(24), "t": issued}
    if confirm:
        data["c"] = 1
    return signing.dumps(data, salt=SALT)


def form_token_read(value: str) -> FormToken | None:
    """The token's contents, or None when it is forged, malformed or expired."""
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
        token = FormToken(
            nonce=str(data["n"]),
            issued_at=float(data["t"]),
            confirm=bool(data.get("c")),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    if not 0 < len(token.nonce) <= 64 or token.age() < -60:
        return None
    return token
