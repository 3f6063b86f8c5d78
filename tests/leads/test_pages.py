import pytest

from articles.models import ArticleIndexPage, HomePage
from leads.models import ContactPage, ThankYouPage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page_class", [ContactPage, ThankYouPage])
def test_contact_and_thank_you_pages_live_under_the_home_page_only(page_class):
    assert page_class in HomePage.allowed_subpage_models()
    assert page_class not in ArticleIndexPage.allowed_subpage_models()
    assert page_class.allowed_subpage_models() == []
    assert page_class.max_count == 1
