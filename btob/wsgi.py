import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "btob.settings")

django_application = get_wsgi_application()

# Imported once Django is set up. The view beacon is answered here, before
# Django's request handling (articles/page_stats.py).
from articles.page_stats import BeaconApp  # noqa: E402

application = BeaconApp(django_application)
