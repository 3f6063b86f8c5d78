import time

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict public policy, loosened only where the Wagtail admin needs it."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        if request.path_info.startswith(settings.WAGTAIL_ADMIN_PATH_PREFIX):
            replace = settings.WAGTAIL_ADMIN_CSP_REPLACE
        elif getattr(request, "is_dummy", False):
            # Wagtail renders a preview through the middleware with a stand-in
            # request for the page's own URL, and shows it in a frame.
            replace = settings.PREVIEW_CSP_REPLACE
        else:
            return parts
        parts.replace = {**replace, **(parts.replace or {})}
        return parts


class SessionRefreshMiddleware:
    """Restart a signed-in session's inactivity period (SESSION_COOKIE_AGE) at
    most once per SESSION_REFRESH_SECONDS.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs each
    admin view an UPDATE and a commit; saved once a minute, a session still ends
    SESSION_HOURS after its last request, give or take that minute. Readers
    without a session are left without one. Goes just after SessionMiddleware,
    so that the session it marks is saved on the way out.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        # A session saved anyway (a login, say) notes the restart for free; else
        # writing the key marks the session modified: saved with a new expiry.
        if session.modified or (
            now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS
        ):
            session[self.KEY] = now
        return response
