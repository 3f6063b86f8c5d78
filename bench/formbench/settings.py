"""The site's settings plus Wagtail's form builder and a form page, for
bench/leads_intake.py only: never installed in the site itself."""

from btob.settings import *  # noqa: F403

INSTALLED_APPS = [
    "bench.formbench",
    "wagtail.contrib.forms",
    *INSTALLED_APPS,  # noqa: F405
]
