import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import ArticleSeoReport
from tests.builders import make_article

EXPECTED = Path(__file__).parents[1] / "expected" / "seed_audit.json"
ROOT = Path(__file__).resolve().parents[3]


def audit(*args: str) -> str:
    out = io.StringIO()
    call_command("seo_audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def seed(db):
    call_command("load_demo_content", stdout=io.StringIO())


def test_seed_article_audit_matches_the_committed_expectation(seed):
    expected = json.loads(EXPECTED.read_text())
    [result] = json.loads(audit("--json"))
    assert result["title"] == expected["title"]
    assert result["url"] == expected["url"]
    statuses = {check["id"]: check["status"] for check in result["checks"]}
    assert statuses == {
        check_id: status for check_id, (status, _) in expected["checks"].items()
    }
    assert (result["seo_score"], result["readability_score"]) == (
        expected["seo_score"],
        expected["readability_score"],
    )
    assert all(check["message"] for check in result["checks"])


def test_audit_stores_the_scores_for_the_admin_listing(seed):
    [result] = json.loads(audit("--json"))
    stored = ArticleSeoReport.objects.get()
    assert stored.seo_score == result["seo_score"]
    assert stored.problems == sum(c["status"] == "bad" for c in result["checks"])


def test_exit_zero_when_every_article_reaches_min_score(seed):
    output = audit("--min-score", "60")
    assert "1 articles audited." in output


def test_exit_one_when_an_article_scores_below_min_score(seed):
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("seo_audit", "--json", "--min-score", "90", stdout=out)
    assert raised.value.returncode == 1
    assert "score below 90" in str(raised.value)
    assert len(json.loads(out.getvalue())) == 1


def test_path_selects_one_article_and_unknown_path_is_an_error(seed):
    [result] = json.loads(
        audit("--json", "--path", "insights/us-interest-in-pakistans-minerals")
    )
    assert result["url"] == "/insights/us-interest-in-pakistans-minerals/"
    with pytest.raises(CommandError) as raised:
        audit("--path", "/nowhere/")
    assert raised.value.returncode == 2
    assert str(raised.value).startswith("No article lives at /nowhere/;")


@pytest.mark.django_db
def test_audit_reads_the_latest_revision_not_the_live_page():
    page = make_article(primary_keyword="")
    page.primary_keyword = "Reko Diq copper"
    page.save_revision()
    [result] = json.loads(audit("--json"))
    length = next(c for c in result["checks"] if c["id"] == "keyphrase_length")
    assert length["status"] == "good"


@pytest.mark.parametrize("value", ["abc", "101", "-1"])
def test_bad_min_score_exits_non_zero_with_one_sentence(value):
    finished = subprocess.run(
        [sys.executable, "manage.py", "seo_audit", "--min-score", value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "--min-score must be a whole number from 0 to 100" in finished.stderr
    assert "Traceback" not in finished.stderr
