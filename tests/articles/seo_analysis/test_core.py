"""The pure core: a document in, a report out, each check declared once."""

import subprocess
import sys
from pathlib import Path

import pytest

from articles.seo_analysis.core import analyse
from articles.seo_analysis.registry import CHECKS, check, good
from tests.articles.seo_analysis.documents import (
    article,
    heading,
    paragraph,
    words_text,
)

ROOT = Path(__file__).resolve().parents[3]
CONTRACT_IDS = [
    "keyphrase_length",
    "keyphrase_in_title",
    "keyphrase_in_introduction",
    "keyphrase_in_meta_description",
    "keyphrase_in_slug",
    "keyphrase_density",
    "keyphrase_in_subheadings",
    "keyphrase_in_image_alt",
    "keyphrase_unique",
    "secondary_keyphrases",
    "text_length",
    "meta_description_length",
    "title_width",
    "internal_links",
    "outbound_links",
    "single_h1",
    "sentence_length",
    "paragraph_length",
    "subheading_distribution",
    "passive_voice",
    "transition_words",
    "consecutive_sentences",
    "flesch_reading_ease",
    "risk_disclaimer",
    "review_date",
]
READABILITY_IDS = {
    "sentence_length",
    "paragraph_length",
    "subheading_distribution",
    "passive_voice",
    "transition_words",
    "consecutive_sentences",
    "flesch_reading_ease",
}
# What moves rankings most counts most; every other check weighs 1.
WEIGHTS = {
    "keyphrase_in_title": 3,
    "keyphrase_in_introduction": 2,
    "keyphrase_in_meta_description": 2,
    "keyphrase_density": 2,
    "keyphrase_unique": 2,
    "text_length": 2,
    "meta_description_length": 2,
    "single_h1": 2,
    "risk_disclaimer": 2,
}


def test_the_core_imports_neither_the_orm_nor_wagtail_nor_the_models():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, articles.seo_analysis.core; print(*sorted(sys.modules))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    forbidden = ("django.db", "django.conf", "wagtail", "articles.models")
    assert not [name for name in loaded if name.startswith(forbidden)]


def test_every_contract_check_is_reported_once_in_order():
    report = analyse(article())
    assert [c.id for c in report.checks] == CONTRACT_IDS
    assert {c.status for c in report.checks} <= {"good", "ok", "bad"}
    assert 0 <= report.seo_score <= 100
    assert 0 <= report.readability_score <= 100


def test_each_check_is_declared_once_with_its_group_and_weight():
    assert list(CHECKS) == CONTRACT_IDS
    for check_id, declaration in CHECKS.items():
        expected = "readability" if check_id in READABILITY_IDS else "seo"
        assert declaration.group == expected
        assert declaration.weight == WEIGHTS.get(check_id, 1)
    report = analyse(article())
    assert [(c.group, c.weight) for c in report.checks] == [
        (CHECKS[c.id].group, CHECKS[c.id].weight) for c in report.checks
    ]


def test_declaring_a_check_id_twice_fails():
    with pytest.raises(ValueError, match="declared twice"):
        check(id="keyphrase_length")(lambda subject: good("Fine."))
    assert list(CHECKS) == CONTRACT_IDS


def test_empty_article_scores_low():
    report = analyse(article(primary_keyphrase="", last_reviewed=None))
    assert report.seo_score < 30


def test_a_better_article_scores_higher():
    weak = article(introduction=words_text(120))
    body = [
        *heading("Copper output in Balochistan"),
        *paragraph(
            words_text(120)
            + ' See <a linktype="page" id="4">our Reko Diq guide</a> and '
            '<a href="https://www.mindat.org/">Mindat</a>.'
        ),
        *heading("Permits and tax"),
        *paragraph("However, copper from Balochistan needs roads. " + words_text(120)),
    ]
    strong = article(
        title="Copper in Balochistan: what investors know",
        introduction="Copper in Balochistan draws investors from the Gulf and Asia.",
        meta_description="Copper in Balochistan: deposits, permits, partners and "
        "the risks that investors should weigh before they commit capital to a mine.",
        description_is_fallback=False,
        secondary_keyphrases=("permits",),
        body=body,
    )
    assert analyse(strong).seo_score > analyse(weak).seo_score
    assert analyse(strong).seo_score >= 80


def test_score_weights_good_ok_and_bad():
    report = analyse(article())
    scored = [c for c in report.checks if c.group == "seo" and c.scored]
    points = {"good": 1, "ok": 0.5, "bad": 0}
    expected = sum(points[c.status] * c.weight for c in scored) / sum(
        c.weight for c in scored
    )
    assert report.seo_score == round(expected * 100)


def test_unscored_checks_do_not_move_the_readability_score():
    report = analyse(article(introduction="Copper in Balochistan sells."))
    unscored = {c.id for c in report.checks if not c.scored}
    assert {"flesch_reading_ease", "keyphrase_density"} <= unscored
    scored = [c for c in report.checks if c.group == "readability" and c.scored]
    points = {"good": 1, "ok": 0.5, "bad": 0}
    expected = sum(points[c.status] for c in scored) / len(scored)
    assert report.readability_score == round(expected * 100)
