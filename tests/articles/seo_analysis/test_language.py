"""Matching rules and title widths: plain functions, no database."""

import random
import re

from articles.seo_analysis import language
from articles.seo_analysis.widths import cut_title, text_width


def test_matching_folds_apostrophes_possessives_us_and_plurals():
    assert language.content_tokens("U.S. interest in Pakistan minerals") == (
        language.content_tokens("US Interest in Pakistan’s Minerals")
    )
    assert language.tokens("Pakistan's") == language.tokens("Pakistan’s")
    assert language.tokens("Pakistan’s") == ["pakistan"]
    assert language.tokens("reserves, deposits; mines!") == [
        "reserve",
        "deposit",
        "mine",
    ]
    assert language.tokens("us") == ["us"]
    assert language.tokens("processes process") == ["process", "process"]


def test_sentence_split_does_not_break_at_us_abbreviation():
    text = "The U.S. signed two MoUs. Pakistan shipped samples. Dr. Khan agreed."
    assert language.split_sentences(text) == [
        "The US signed two MoUs.",
        "Pakistan shipped samples.",
        "Dr Khan agreed.",
    ]


def test_passive_voice_detection():
    assert language.is_passive("The deal was signed in May.")
    assert language.is_passive("Samples are being quickly shipped.")
    assert language.is_passive("The ore was taken to Karachi.")
    assert not language.is_passive("The partners signed the deal.")
    assert not language.is_passive("The need is great.")


def test_cut_title_keeps_whole_words_within_600_px():
    title = "Copper in Balochistan: " + "what investors must know " * 3
    shown = cut_title(title)
    assert shown.endswith(" ...")
    assert text_width(shown) <= 600
    assert title.startswith(shown.removesuffix(" ..."))
    assert cut_title("Short title") == "Short title"


def test_phrase_trie_matches_what_the_plain_alternation_matches():
    phrases = language.TRANSITION_PHRASES.split("|")
    plain = re.compile(rf"\b(?:{language.TRANSITION_PHRASES})\b")
    pieces = [*phrases, "so's", "also_", "then1", "in  turn", "inturn", "first-ly"]
    chooser = random.Random(9)  # noqa: S311 (test data)
    for _ in range(3000):
        text = " ".join(chooser.choices(pieces, k=chooser.randint(0, 6)))
        found = language.TRANSITION.search(text) is not None
        assert found == (plain.search(text) is not None), text
    assert not language.TRANSITION.search("the firsts are inturn")
    assert language.TRANSITION.search("in turn")
