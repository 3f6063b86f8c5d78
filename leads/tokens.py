"""Signed per-response form tokens: the CSRF defence and time trap of the lead form.

Article pages are served from a shared HTML cache, so a Django CSRF token (tied
to one visitor's cookie) cannot live in that HTML. Instead every response gets a
fresh token signed with SECRET_KEY: a random nonce (the idempotency key of one
rendered form) and the time it was issued (the time trap). A forged token fails
the signature; an old one expires; a cross-site post gains nothing, because the
form only creates a lead and carries no session or privileges.
"""

import secrets
import time
from dataclasses import dataclass

from django.core import signing

SALT = "leads.form-token"
MAX_AGE_SECONDS = 24 * 60 * 60
MIN_FILL_SECONDS = 3.0


@dataclass(frozen=True)
class FormToken:
    nonce: str
    issued_at: float

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.issued_at

    @property
    def too_fast(self) -> bool:
        return self.age() < MIN_FILL_SECONDS


def form_token_issue(*, issued_at: float | None = None) -> str:
    issued = time.time() if issued_at is None else issued_at
    return signing.dumps({"n": secrets.token_urlsafe(24), "t": issued}, salt=SALT)


def form_token_read(value: str) -> FormToken | None:
    """The token's contents, or None when it is forged, malformed or expired."""
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
        token = FormToken(nonce=str(data["n"]), issued_at=float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if not 0 < len(token.nonce) <= 64 or token.age() < -60:
        return None
    return token
