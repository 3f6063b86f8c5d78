"""Every public page type passes the Nu HTML Checker (npm package vnu-jar)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from articles.models import ArticlePage
from tests.builders import every_block_body, make_article, make_image
from tests.leads.builders import form_data

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_command() -> list[str]:
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-Xss1m", "-jar", str(VNU_JAR)]
    reason = "the Nu checker needs Java and `npm install` (make test runs it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must validate HTML: {reason}")
    pytest.skip(reason)


def confirmation_page(client, contact_page):
    """The contact form sent as a browser without JavaScript sends it: no token."""
    form = BeautifulSoup(contact_page.content, "html5lib").select_one("form.lead-form")
    hidden = {
        field["name"]: field.get("value", "")
        for field in form.find_all("input", type="hidden")
    }
    response = client.post(form["action"], {**hidden, **form_data(form_token="")})
    assert response.status_code == 200
    heading = BeautifulSoup(response.content, "html5lib").find("h1").get_text()
    assert "Confirm" in heading
    return response


@pytest.mark.django_db
def test_public_pages_have_no_nu_checker_errors(client, tmp_path):
    command = vnu_command()
    call_command("load_demo_content", stdout=open(os.devnull, "w"))  # noqa: SIM115
    article = ArticlePage.objects.live().get()
    every_block = make_article(
        title="Every block", slug="every-block", body=every_block_body(make_image())
    )
    urls = {
        "home": "/",
        "index": "/insights/",
        "index-filtered": "/insights/?mineral=copper",
        "article": article.url,
        "every-block": every_block.url,
        "about": "/about/",
        "privacy": "/privacy/",
        "contact": "/contact/",
        "thank-you": "/thank-you/",
        "search": "/search/?q=copper",
        "not-found": "/no-such-page/",
    }
    responses = {name: client.get(url) for name, url in urls.items()}
    responses["enquiry-errors"] = client.post("/leads/enquiry/", {"name": "A"})
    assert responses["enquiry-errors"].status_code == 400
    responses["enquiry-confirm"] = confirmation_page(client, responses["contact"])
    files = []
    for name, response in responses.items():
        assert response.status_code in (200, 400, 404), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == []
    assert result.returncode == 0


def test_the_checker_reports_invalid_html(tmp_path):
    command = vnu_command()
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></span>")
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", str(bad)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert any(m["type"] == "error" for m in messages)
