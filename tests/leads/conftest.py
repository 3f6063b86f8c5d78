import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.leads.builders import NOTIFY
from tests.leads.smtp import free_port


@pytest.fixture
def clean_cache(transactional_db):
    """Transactional tests don't roll back the cache table: start empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def smtp_settings():
    """Mail goes over SMTP to a free localhost port; yields the port."""
    port = free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
        LEADS_NOTIFY_EMAILS=NOTIFY,
    ):
        yield port
