"""In Debian's Chromium: both admins work under their CSP with no violation."""

import pytest
from PIL import Image as PillowImage
from playwright.sync_api import expect
from wagtail.images.models import Image

from tests.builders import make_article, make_home
from tests.leads.builders import make_lead

PASSWORD = "a long test password"  # noqa: S105

# Added to every document before its own scripts run, so nothing is missed.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI} at ` +
    `${event.sourceFile}:${event.lineNumber}:${event.columnNumber} ` +
    `in ${event.documentURI}`
  );
});
"""


# Chromium's console words for a CSP violation and for a policy header it rejects.
POLICY_MESSAGES = ("Content Security Policy", "Permissions-Policy")


def watch_for_violations(page) -> list[str]:
    """Collects every policy violation the page reports, across navigations."""
    seen = []
    page.expose_function("reportCspViolation", lambda text: seen.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if any(words in message.text for words in POLICY_MESSAGES)
            else None
        ),
    )
    return seen


def wagtail_login(page, live_server) -> list[str]:
    violations = watch_for_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/admin/", timeout=10_000)
    # Wagtail's own scripts ran: its Stimulus controller marks the body ready.
    expect(page.locator("body")).to_have_class("ready")
    assert violations == [], "\n".join(violations)
    return violations


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wagtail_admin_edits_and_publishes_with_no_csp_violation(
    live_server, browser, django_user_model
):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    article = make_article(title="Copper in Balochistan")
    page = browser.new_page()
    violations = wagtail_login(page, live_server)

    page.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    page.locator("input[name=title]").fill("Copper and gold in Balochistan")
    page.locator("[data-side-panel-toggle=preview]").click()
    expect(page.frame_locator("#w-preview-iframe").locator("h1").first).to_have_text(
        "Copper and gold in Balochistan", timeout=15_000
    )
    page.locator("footer [data-w-dropdown-target=toggle]").click()
    page.locator("button[name=action-publish]").click()
    expect(page.locator(".messages .success")).to_contain_text(
        "published", timeout=15_000
    )
    assert violations == [], "\n".join(violations)

    article.refresh_from_db()
    assert article.title == "Copper and gold in Balochistan"
    assert article.live
    assert not article.has_unpublished_changes


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wagtail_admin_uploads_images_with_no_csp_violation(
    live_server, browser, django_user_model, tmp_path
):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    make_home()  # the dashboard needs a page tree, which an earlier test flushed
    image = tmp_path / "reko-diq.png"
    PillowImage.new("RGB", (300, 200), (164, 88, 42)).save(image)
    page = browser.new_page()
    violations = wagtail_login(page, live_server)

    page.goto(f"{live_server.url}/admin/images/multiple/add/")
    page.locator("input[type=file]").set_input_files(image)
    # The uploader shows the chosen file from a blob: URL, then saves it.
    expect(page.locator("#upload-list .upload-success")).to_have_count(
        1, timeout=15_000
    )
    assert violations == [], "\n".join(violations)
    assert Image.objects.filter(title="reko-diq").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_django_admin_shows_leads_with_no_csp_violation(
    live_server, browser, django_user_model
):
    django_user_model.objects.create_superuser("admin", "a@example.com", PASSWORD)
    lead = make_lead()
    page = browser.new_page()
    violations = watch_for_violations(page)

    page.goto(f"{live_server.url}/django-admin/login/")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible(timeout=10_000)

    for path in (
        "/django-admin/leads/lead/",
        f"/django-admin/leads/lead/{lead.pk}/change/",
        "/django-admin/auth/group/add/",
        "/django-admin/axes/accessattempt/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content-main")).to_be_visible()
        # Scripts run on load; let late ones report before moving on.
        page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)
