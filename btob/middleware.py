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
