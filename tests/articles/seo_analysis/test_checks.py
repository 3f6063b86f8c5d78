"""Every check of issue 4 on documents built in memory: no database."""

from datetime import timedelta

import pytest

from articles.seo_analysis.core import analyse
from articles.seo_analysis.document import ArticleDocument
from articles.seo_analysis.keyphrases import keyword_owners
from articles.seo_analysis.language import split_sentences
from articles.seo_analysis.widths import text_width
from articles.text import IMAGE_ALT, TextItem
from tests.articles.seo_analysis.documents import (
    TODAY,
    article,
    exact_words,
    heading,
    paragraph,
    section,
    words_text,
)


def check(document: ArticleDocument, check_id: str):
    return analyse(document).check(check_id)


def status(document: ArticleDocument, check_id: str) -> str:
    return check(document, check_id).status


# keyphrase_length


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("copper", "good"),
        ("the price of copper in Pakistan", "good"),
        ("Pakistan copper gold lithium investment", "ok"),
        ("Pakistan copper gold lithium tungsten antimony chromite coal", "ok"),
        ("Pakistan copper gold lithium tungsten antimony chromite coal salt", "bad"),
        ("", "bad"),
    ],
)
def test_keyphrase_length_counts_content_words(keyword, expected):
    document = article(primary_keyphrase=keyword)
    assert status(document, "keyphrase_length") == expected


def test_no_keyword_at_all_fails_every_keyphrase_check_with_advice():
    report = analyse(article(primary_keyphrase=""))
    keyphrase_checks = [c for c in report.checks if c.id.startswith("keyphrase_")]
    assert len(keyphrase_checks) == 9
    for item in keyphrase_checks:
        assert item.status == "bad"
        assert "No primary keyword" in item.message


# keyphrase_in_title


def test_keyphrase_at_start_of_title_matches_us_and_curly_possessive():
    document = article(
        title="U.S. Interest in Pakistan’s Minerals",
        primary_keyphrase="US interest in Pakistan minerals",
    )
    assert status(document, "keyphrase_in_title") == "good"


def test_keyphrase_later_in_title_is_ok_and_absent_is_bad():
    later = article(title="Why Balochistan's copper matters")
    assert status(later, "keyphrase_in_title") == "ok"
    absent = article(title="Gold in Sindh")
    assert status(absent, "keyphrase_in_title") == "bad"


# keyphrase_in_introduction and keyphrase_in_meta_description


def test_keyphrase_in_introduction_forgives_plural_and_possessive():
    document = article(introduction="Balochistan’s coppers draw global investors.")
    assert status(document, "keyphrase_in_introduction") == "good"


def test_keyphrase_missing_from_introduction_is_bad_even_if_later_in_body():
    document = article(
        introduction="Mining draws investors.",
        body=paragraph("Copper in Balochistan is the theme."),
    )
    assert status(document, "keyphrase_in_introduction") == "bad"


def test_first_body_paragraph_is_the_introduction_when_there_is_none():
    document = article(body=paragraph("Copper in Balochistan is the theme."))
    assert status(document, "keyphrase_in_introduction") == "good"


def test_meta_description_check_reads_the_description_and_says_if_it_is_a_fallback():
    own = article(
        meta_description="All about Balochistan copper for investors.",
        description_is_fallback=False,
    )
    result = check(own, "keyphrase_in_meta_description")
    assert result.status == "good"
    assert "not set" not in result.message
    fallback = article(introduction="Copper from Balochistan, explained.")
    result = check(fallback, "keyphrase_in_meta_description")
    assert result.status == "good"
    assert "not set, so taken from the page text" in result.message
    assert status(article(), "keyphrase_in_meta_description") == "bad"


# keyphrase_in_slug


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("copper-in-balochistan", "good"),
        ("balochistans-coppers", "good"),
        ("copper-in-sindh", "ok"),
        ("gold-in-sindh", "bad"),
    ],
)
def test_keyphrase_in_slug(slug, expected):
    assert status(article(slug=slug), "keyphrase_in_slug") == expected


# keyphrase_density


def test_density_is_not_scored_under_100_words():
    document = article(introduction="Copper in Balochistan. " * 5)
    result = check(document, "keyphrase_density")
    assert (result.status, result.scored) == ("ok", False)


def test_density_good_between_half_and_three_percent():
    text = "Copper from Balochistan sells well. " + words_text(190)
    assert status(article(introduction=text), "keyphrase_density") == "good"


def test_density_low_is_ok_and_stuffing_is_bad():
    low = "Copper from Balochistan sells well. " + words_text(400)
    assert status(article(introduction=low), "keyphrase_density") == "ok"
    stuffed = "Balochistan copper is here. " * 10 + words_text(100)
    assert status(article(introduction=stuffed), "keyphrase_density") == "bad"


# keyphrase_in_subheadings


def test_subheadings_in_range_are_good_including_numbered_sections():
    document = article(
        body=[*heading("Copper output in Balochistan"), *section("Permits and tax")]
    )
    assert status(document, "keyphrase_in_subheadings") == "good"


def test_too_few_or_all_subheadings_is_ok_none_is_bad():
    few = article(
        body=[
            *heading("Balochistan copper"),
            *[item for n in range(5) for item in heading(f"Tax {n}")],
        ]
    )
    assert status(few, "keyphrase_in_subheadings") == "ok"
    every = article(body=heading("Copper in Balochistan") * 4)
    assert status(every, "keyphrase_in_subheadings") == "ok"
    none = article(body=[*heading("Tax"), *heading("Power")])
    assert status(none, "keyphrase_in_subheadings") == "bad"
    assert status(article(), "keyphrase_in_subheadings") == "bad"


def test_only_h2_and_h3_are_subheadings():
    document = article(body=heading("Copper in Balochistan", level=4))
    assert status(document, "keyphrase_in_subheadings") == "bad"


# keyphrase_in_image_alt


def test_no_images_is_ok():
    assert status(article(), "keyphrase_in_image_alt") == "ok"


def test_image_alt_with_keyphrase_is_good_and_without_is_bad():
    with_alt = article(
        body=[TextItem(IMAGE_ALT, "Open-pit copper mine in Balochistan")]
    )
    assert status(with_alt, "keyphrase_in_image_alt") == "good"
    without = article(body=[TextItem(IMAGE_ALT, "A truck on a dusty road")])
    assert status(without, "keyphrase_in_image_alt") == "bad"


def test_an_image_without_alt_text_still_counts_as_an_image():
    result = check(article(body=[TextItem(IMAGE_ALT, "")]), "keyphrase_in_image_alt")
    assert result.status == "bad"
    assert "None of the 1 image alt texts" in result.message


# keyphrase_unique


def test_keyphrase_used_by_another_article_is_bad_and_names_it():
    owners = keyword_owners(
        [(7, "Reko Diq guide", ["gold Sindh", "Balochistan’s coppers"])]
    )
    result = check(article(keyphrase_owners=owners), "keyphrase_unique")
    assert result.status == "bad"
    assert "Reko Diq guide" in result.message


def test_keyphrase_of_the_article_itself_is_not_a_collision():
    owners = keyword_owners([(7, "Copper in Balochistan", ["copper Balochistan"])])
    document = article(article_id=7, keyphrase_owners=owners)
    assert status(document, "keyphrase_unique") == "good"


def test_keyphrase_collides_whatever_the_word_order():
    owners = keyword_owners([(7, "Reko Diq guide", ["Balochistan copper"])])
    assert status(article(keyphrase_owners=owners), "keyphrase_unique") == "bad"


# secondary_keyphrases


def test_secondary_keyphrases_all_some_none_and_unset():
    text = "Reko Diq gold reserves attract miners."
    assert status(article(introduction=text), "secondary_keyphrases") == "ok"
    every = article(
        introduction=text, secondary_keyphrases=("gold reserve", "Reko Diq")
    )
    assert status(every, "secondary_keyphrases") == "good"
    some = article(introduction=text, secondary_keyphrases=("gold reserve", "lithium"))
    result = check(some, "secondary_keyphrases")
    assert result.status == "ok"
    assert "“lithium”" in result.message
    none = article(introduction=text, secondary_keyphrases=("lithium", "tungsten"))
    assert status(none, "secondary_keyphrases") == "bad"


# text_length


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "bad"), (99, "bad"), (100, "ok"), (300, "good")]
)
def test_text_length(count, expected):
    document = article(introduction=exact_words(count) if count else "")
    assert status(document, "text_length") == expected


# meta_description_length


@pytest.mark.parametrize(
    ("length", "expected"),
    [(49, "bad"), (50, "ok"), (120, "ok"), (121, "good"), (156, "good")],
)
def test_meta_description_length(length, expected):
    document = article(meta_description="x" * length, description_is_fallback=False)
    assert status(document, "meta_description_length") == expected


def test_meta_description_missing_entirely_is_bad():
    result = check(article(), "meta_description_length")
    assert result.status == "bad"
    assert "no meta description" in result.message


# title_width


def test_title_width_uses_arial_widths_and_the_suffix():
    assert text_width("W") > text_width("i") * 4
    good = article(title="Copper in Balochistan: what investors know")
    assert status(good, "title_width") == "good"
    assert status(article(title="Copper"), "title_width") == "ok"
    wide = article(title="Copper in Balochistan: " + "what investors must know " * 3)
    assert status(wide, "title_width") == "bad"


# internal_links and outbound_links


def test_links_are_classified_from_stored_rich_text():
    body = [
        *paragraph('See <a linktype="page" id="3">our Reko Diq guide</a>.'),
        *paragraph('Read <a href="https://www.bloomberg.com/x">Bloomberg</a>.'),
        *paragraph('Or <a href="mailto:info@btobservices.pk">write to us</a>.'),
    ]
    document = article(body=body)
    assert status(document, "internal_links") == "good"
    assert status(document, "outbound_links") == "good"
    assert "1 outbound" in check(document, "outbound_links").message


def test_absolute_link_to_our_own_host_is_internal():
    document = article(
        body=paragraph('<a href="https://btobservices.pk/insights/">Insights</a>')
    )
    assert status(document, "internal_links") == "good"
    assert status(document, "outbound_links") == "bad"


def test_no_links_at_all_fails_both():
    assert status(article(), "internal_links") == "bad"
    assert status(article(), "outbound_links") == "bad"


# single_h1


def test_title_is_the_single_h1_and_pasted_h1_breaks_it():
    assert status(article(), "single_h1") == "good"
    pasted = article(body=paragraph("</p><h1>Another title</h1><p>Text"))
    result = check(pasted, "single_h1")
    assert result.status == "bad"
    assert "2 H1" in result.message


# sentence_length, with the glossary


def test_sentence_length_thresholds():
    short = "Copper sells well in Asia. " * 4
    long = "Copper " + "sells well in many markets across Asia and Europe " * 3 + "."
    assert status(article(introduction=short * 3), "sentence_length") == "good"
    one_in_four = " ".join([long, short.strip()[:-1] + ".", "Gold too.", "Tin too."])
    assert status(article(introduction=one_in_four), "sentence_length") == "good"
    # 2 long of 7 sentences: 29 %
    seven = " ".join([long, long, "A b.", "C d.", "E f.", "G h.", "I j."])
    assert status(article(introduction=seven), "sentence_length") == "ok"
    assert status(article(introduction=f"{long} {long} Gold."), "sentence_length") == (
        "bad"
    )


def test_glossary_terms_do_not_count_against_sentence_length():
    sentence = (
        "Beneficiation and tailings and offtake and porphyry and concentrate "
        "work shape each deal at the mine that we visit in the north each year."
    )
    assert len(sentence.split()) > 20
    assert status(article(introduction=sentence), "sentence_length") == "good"
    without = article(introduction=sentence, glossary=())
    assert status(without, "sentence_length") == "bad"


def test_editors_glossary_terms_also_count():
    sentence = "Heap leaching " * 10 + "works for us here."
    assert status(article(introduction=sentence), "sentence_length") == "bad"
    extended = article(introduction=sentence, glossary=("heap leaching",))
    assert status(extended, "sentence_length") == "good"


# paragraph_length and subheading_distribution


@pytest.mark.parametrize(
    ("count", "expected"), [(150, "good"), (151, "ok"), (200, "ok"), (201, "bad")]
)
def test_paragraph_length(count, expected):
    document = article(body=paragraph(exact_words(count)))
    assert status(document, "paragraph_length") == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(300, "good"), (301, "ok"), (350, "ok"), (351, "bad")]
)
def test_subheading_distribution(count, expected):
    half = count // 2
    body = [
        *heading("Start"),
        *paragraph(exact_words(half)),
        *paragraph(exact_words(count - half)),
        *heading("End"),
        *paragraph(exact_words(10)),
    ]
    assert status(article(body=body), "subheading_distribution") == expected


# passive_voice


def test_passive_voice_thresholds():
    active = "The partners signed the deal."
    passive = "The deal was signed."
    assert status(article(introduction=" ".join([active] * 10)), "passive_voice") == (
        "good"
    )
    mixed = " ".join([passive] + [active] * 9)
    assert status(article(introduction=mixed), "passive_voice") == "good"
    # 1 of 7: 14 %
    assert status(
        article(introduction=" ".join([passive] + [active] * 6)), "passive_voice"
    ) == ("ok")
    heavy = " ".join([passive] * 3 + [active] * 3)
    assert status(article(introduction=heavy), "passive_voice") == "bad"


# transition_words


def test_transition_words_not_scored_under_200_words():
    result = check(article(introduction=words_text(150)), "transition_words")
    assert (result.status, result.scored) == ("ok", False)


def test_transition_words_thresholds():
    plain = words_text(250)
    assert status(article(introduction=plain), "transition_words") == "bad"
    sentences = split_sentences(plain)
    linked = [
        f"However, {s[0].lower()}{s[1:]}" if n % 3 == 0 else s
        for n, s in enumerate(sentences)
    ]
    assert status(article(introduction=" ".join(linked)), "transition_words") == "good"
    some = [
        f"As a result, {s[0].lower()}{s[1:]}" if n % 4 == 0 else s
        for n, s in enumerate(sentences)
    ]
    assert status(article(introduction=" ".join(some)), "transition_words") == "ok"


# consecutive_sentences


def test_three_sentences_starting_alike_is_bad():
    alike = "Pakistan mines copper. Pakistan mines gold. Pakistan’s mines grow."
    assert status(article(introduction=alike), "consecutive_sentences") == "bad"
    two = "Pakistan mines copper. Pakistan mines gold. Investors watch."
    assert status(article(introduction=two), "consecutive_sentences") == "good"
    articles = "The mine opened. The road closed. A truck came."
    assert status(article(introduction=articles), "consecutive_sentences") == "good"


# flesch_reading_ease


def test_flesch_reading_ease_is_information_only():
    easy = check(
        article(introduction="The cat sat on the mat. " * 5), "flesch_reading_ease"
    )
    hard = check(
        article(
            introduction="Geopolitical diversification necessitates comprehensive "
            "infrastructural modernisation throughout provincial administrations."
        ),
        "flesch_reading_ease",
    )
    assert (easy.status, easy.scored) == ("ok", False)
    assert hard.status == "ok"
    assert "very easy" in easy.message
    assert "very difficult" in hard.message


# risk_disclaimer and review_date


def test_risk_disclaimer_from_site_settings_or_the_text():
    assert status(article(), "risk_disclaimer") == "good"
    assert status(article(risk_disclaimer=""), "risk_disclaimer") == "bad"
    stated = article(introduction="This is not investment advice.", risk_disclaimer="")
    assert status(stated, "risk_disclaimer") == "good"


@pytest.mark.parametrize(
    ("reviewed", "expected"),
    [
        (TODAY, "good"),
        (TODAY - timedelta(days=365), "good"),
        (TODAY - timedelta(days=366), "bad"),
        (None, "bad"),
    ],
)
def test_review_date(reviewed, expected):
    assert status(article(last_reviewed=reviewed), "review_date") == expected
