import re

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from articles.client_address import trusted_proxies
from articles.indexnow import KEY_PATTERN


@checks.register()
def check_trusted_proxies(app_configs, **kwargs) -> list[checks.Error]:
    try:
        trusted_proxies()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="articles.E001")]
    return []


@checks.register()
def check_indexnow_key(app_configs, **kwargs) -> list[checks.Error]:
    key = settings.INDEXNOW_KEY
    if key and not re.fullmatch(KEY_PATTERN, key):
        message = "INDEXNOW_KEY must be 8 to 128 letters, digits or dashes."
        return [checks.Error(message, id="articles.E002")]
    return []
