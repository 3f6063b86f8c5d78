"""In Debian's Chromium: wrong passwords lock a username out of both admin logins."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

PASSWORD = "a long test password"  # noqa: S105


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("url", "submit"),
    [
        ("/admin/login/", "button[type=submit]"),
        ("/django-admin/login/", "input[type=submit]"),
    ],
)
def test_wrong_passwords_lead_to_the_lockout_page(
    live_server, browser, django_user_model, url, submit
):
    django_user_model.objects.create_superuser("editor", "e@example.com", PASSWORD)
    page = browser.new_page()
    page.goto(f"{live_server.url}{url}")
    for number in range(1, settings.LOGIN_FAILURE_LIMIT + 1):
        page.locator("input[name=username]").fill("editor")
        page.locator("input[name=password]").fill(f"wrong password {number}")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.locator(submit).click()
        if number < settings.LOGIN_FAILURE_LIMIT:
            assert posted.value.status == 200

    assert posted.value.status == 429
    expect(page.locator("h1")).to_have_text("Login locked")
    expect(page.locator("#lockout-retry")).to_contain_text(
        f"Try again in {settings.LOGIN_LOCKOUT_MINUTES} minutes."
    )

    # Even the right password is refused now.
    page.goto(f"{live_server.url}{url}")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator(submit).click()
    expect(page.locator("h1")).to_have_text("Login locked")
