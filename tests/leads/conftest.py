import pytest
from django.core.cache import cache

from tests.leads.builders import NOTIFY
from tests.leads.smtp import free_port, smtp_to_port


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
    with smtp_to_port(port, LEADS_NOTIFY_EMAILS=NOTIFY):
        yield port
