import pytest
from django.core.cache import cache


@pytest.fixture
def clean_cache(transactional_db):
    """Transactional tests don't roll back the cache table: start empty."""
    cache.clear()
    yield
    cache.clear()
