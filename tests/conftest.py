import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Tests share one cache; start each from empty so none sees another's."""
    cache.clear()
    yield
    cache.clear()
