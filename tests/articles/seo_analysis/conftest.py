import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def editor(client, db):
    user = get_user_model().objects.create_superuser(
        "editor", "editor@example.com", "a long test password"
    )
    client.force_login(user)
    return client
