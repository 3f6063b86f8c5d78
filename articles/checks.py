from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from articles.client_address import trusted_proxies


@checks.register()
def check_trusted_proxies(app_configs, **kwargs) -> list[checks.Error]:
    try:
        trusted_proxies()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="articles.E001")]
    return []
