from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from leads.ratelimit import parse_rate


@checks.register()
def check_rate_limit(app_configs, **kwargs) -> list[checks.Error]:
    try:
        parse_rate(settings.LEADS_RATE_LIMIT)
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="leads.E001")]
    return []
