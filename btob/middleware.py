from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """The strict public policy, loosened only where the two admins need it."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and request.path_info.startswith(
            settings.ADMIN_PATH_PREFIXES
        ):
            parts.update = {**settings.ADMIN_CSP_UPDATE, **(parts.update or {})}
        return parts
