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


@checks.register()
def check_media_s3(app_configs, **kwargs) -> list[checks.Error]:
    """Media on S3 is all or nothing: a half-set configuration is named."""
    problems = []
    bucket = settings.MEDIA_S3_BUCKET
    endpoint = settings.MEDIA_S3_ENDPOINT_URL
    domain = settings.MEDIA_S3_CUSTOM_DOMAIN
    if not bucket:
        problems += [
            f"{name} is set but MEDIA_S3_BUCKET is not, so media stay on local disk."
            for name, value in (
                ("MEDIA_S3_ENDPOINT_URL", endpoint),
                ("MEDIA_S3_CUSTOM_DOMAIN", domain),
            )
            if value
        ]
    else:
        if endpoint and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", endpoint):
            problems.append(
                "MEDIA_S3_ENDPOINT_URL must be an http:// or https:// URL, "
                "e.g. https://s3.example.com."
            )
        if domain and not re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", domain):
            problems.append(
                "MEDIA_S3_CUSTOM_DOMAIN must be a host name alone, "
                "e.g. media.example.com (no scheme, no path)."
            )
        if not endpoint and not settings.MEDIA_S3_REGION:
            problems.append(
                "MEDIA_S3_BUCKET on Amazon S3 needs its region in "
                "AWS_S3_REGION_NAME or AWS_DEFAULT_REGION (or set "
                "MEDIA_S3_ENDPOINT_URL for another S3-compatible store)."
            )
        if bool(settings.AWS_ACCESS_KEY_ID) != bool(settings.AWS_SECRET_ACCESS_KEY):
            problems.append(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together "
                "(or neither, to use the host's role)."
            )
    return [checks.Error(problem, id="articles.E003") for problem in problems]
