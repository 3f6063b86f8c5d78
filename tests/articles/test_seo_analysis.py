"""Every check of issue 4 on crafted content, mostly on unsaved pages."""

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from articles.models import (
    ArticlePage,
    ArticleSecondaryKeyword,
    SeoSettings,
    SiteSettings,
)
from articles.seo_analysis import (
    SeoContext,
    analyse_article,
    keyword_owners,
    language,
)
from articles.seo_analysis.services import seo_context_build
from articles.seo_analysis.widths import cut_title, text_width
from tests.builders import make_article, make_home, make_image, paragraph

# Pages are built unsaved, but Page() looks up its content type, which needs the
# database once another test has cleared Django's content-type cache.
pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
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
FILLER = [
    "Investors weigh geology, permits and power before they commit capital.",
    "Roads to the western districts remain slow in the monsoon season.",
    "Local partners know the provincial rules and the community leaders.",
    "Smaller firms often start with a survey licence before a lease.",
    "Buyers in Europe ask for traceable supply from each mine site.",
]


def words_text(count: int) -> str:
    """About `count` words of varied, plain sentences (ten to eleven words each)."""
    sentences, total, index = [], 0, 0
    while total < count:
        sentence = FILLER[index % len(FILLER)]
        sentences.append(sentence)
        total += len(sentence.split())
        index += 1
    return " ".join(sentences)


def exact_words(count: int) -> str:
    return " ".join(["mine"] * count) + "."


def article(*, secondary=(), **fields) -> ArticlePage:
    values = {
        "title": "Copper in Balochistan",
        "slug": "copper-in-balochistan",
        "primary_keyword": "copper Balochistan",
        "introduction": "",
        "body": [],
        "last_reviewed": TODAY,
        **fields,
    }
    page = ArticlePage(**values)
    for keyword in secondary:
        page.secondary_keywords.add(ArticleSecondaryKeyword(keyword=keyword))
    return page


def context(**overrides) -> SeoContext:
    settings = SiteSettings(
        title_suffix="BTOB Services",
        risk_disclaimer="Not investment advice.",
    )
    return SeoContext(
        **{
            "site_settings": settings,
            "today": TODAY,
            "own_hosts": frozenset({"btobservices.pk"}),
            **overrides,
        }
    )


def check(page: ArticlePage, check_id: str, **context_overrides):
    return analyse_article(page, context(**context_overrides)).check(check_id)


def status(page: ArticlePage, check_id: str, **context_overrides) -> str:
    return check(page, check_id, **context_overrides).status


# Matching rules


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


def test_every_contract_check_is_reported_once_in_order():
    report = analyse_article(article(), context())
    assert [c.id for c in report.checks] == CONTRACT_IDS
    assert {c.status for c in report.checks} <= {"good", "ok", "bad"}
    assert 0 <= report.seo_score <= 100
    assert 0 <= report.readability_score <= 100


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
    assert status(article(primary_keyword=keyword), "keyphrase_length") == expected


def test_no_keyword_at_all_fails_every_keyphrase_check_with_advice():
    report = analyse_article(article(primary_keyword=""), context())
    keyphrase_checks = [c for c in report.checks if c.id.startswith("keyphrase_")]
    assert len(keyphrase_checks) == 9
    for item in keyphrase_checks:
        assert item.status == "bad"
        assert "No primary keyword" in item.message


# keyphrase_in_title


def test_keyphrase_at_start_of_title_matches_us_and_curly_possessive():
    page = article(
        title="U.S. Interest in Pakistan’s Minerals",
        primary_keyword="US interest in Pakistan minerals",
    )
    assert status(page, "keyphrase_in_title") == "good"


def test_keyphrase_later_in_title_is_ok_and_absent_is_bad():
    later = article(title="Why Balochistan's copper matters")
    assert status(later, "keyphrase_in_title") == "ok"
    absent = article(title="Gold in Sindh")
    assert status(absent, "keyphrase_in_title") == "bad"


def test_seo_title_is_used_before_the_page_title():
    page = article(title="Gold in Sindh", seo_title="Copper in Balochistan, explained")
    assert status(page, "keyphrase_in_title") == "good"


# keyphrase_in_introduction and keyphrase_in_meta_description


def test_keyphrase_in_introduction_forgives_plural_and_possessive():
    page = article(introduction="Balochistan’s coppers draw global investors.")
    assert status(page, "keyphrase_in_introduction") == "good"


def test_keyphrase_missing_from_introduction_is_bad_even_if_later_in_body():
    page = article(
        introduction="Mining draws investors.",
        body=[paragraph("Copper in Balochistan is the theme.")],
    )
    assert status(page, "keyphrase_in_introduction") == "bad"


def test_first_body_paragraph_is_the_introduction_when_the_field_is_empty():
    page = article(body=[paragraph("Copper in Balochistan is the theme.")])
    assert status(page, "keyphrase_in_introduction") == "good"


def test_meta_description_check_reads_the_description_the_page_emits():
    own = article(search_description="All about Balochistan copper for investors.")
    assert status(own, "keyphrase_in_meta_description") == "good"
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
    page = article(introduction="Copper in Balochistan. " * 5)
    result = check(page, "keyphrase_density")
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


def heading(text: str) -> dict:
    return {"type": "heading", "value": {"text": text, "level": "h2"}}


def section(number: int, title: str, text: str = "Some text.") -> dict:
    return {
        "type": "numbered_section",
        "value": {"number": number, "heading": title, "content": [paragraph(text)]},
    }


def test_subheadings_in_range_are_good_including_numbered_sections():
    page = article(
        body=[heading("Copper output in Balochistan"), section(1, "Permits and tax")]
    )
    assert status(page, "keyphrase_in_subheadings") == "good"


def test_too_few_or_all_subheadings_is_ok_none_is_bad():
    few = article(
        body=[heading("Balochistan copper"), *[heading(f"Tax {n}") for n in range(5)]]
    )
    assert status(few, "keyphrase_in_subheadings") == "ok"
    every = article(body=[heading("Copper in Balochistan")] * 4)
    assert status(every, "keyphrase_in_subheadings") == "ok"
    none = article(body=[heading("Tax"), heading("Power")])
    assert status(none, "keyphrase_in_subheadings") == "bad"
    assert status(article(), "keyphrase_in_subheadings") == "bad"


# keyphrase_in_image_alt


def test_no_images_is_ok():
    assert status(article(), "keyphrase_in_image_alt") == "ok"


def test_image_alt_with_keyphrase_is_good_and_without_is_bad():
    image = make_image()
    with_alt = article(
        body=[
            {
                "type": "image",
                "value": {
                    "image": image.pk,
                    "alt_text": "Open-pit copper mine in Balochistan",
                    "caption": "",
                },
            }
        ]
    )
    assert status(with_alt, "keyphrase_in_image_alt") == "good"
    without = article(
        hero_image=make_image("Hero", description="A truck on a dusty road")
    )
    assert status(without, "keyphrase_in_image_alt") == "bad"


# keyphrase_unique


def test_keyphrase_used_by_another_article_is_bad_and_names_it():
    owners = keyword_owners(
        [(7, "Reko Diq guide", ["gold Sindh", "Balochistan’s coppers"])]
    )
    result = check(article(), "keyphrase_unique", keyword_owners=owners)
    assert result.status == "bad"
    assert "Reko Diq guide" in result.message


def test_keyphrase_of_the_article_itself_is_not_a_collision():
    owners = keyword_owners([(7, "Copper in Balochistan", ["copper Balochistan"])])
    page = article()
    page.pk = 7
    assert status(page, "keyphrase_unique", keyword_owners=owners) == "good"


# secondary_keyphrases


def test_secondary_keyphrases_all_some_none_and_unset():
    text = "Reko Diq gold reserves attract miners."
    assert status(article(introduction=text), "secondary_keyphrases") == "ok"
    every = article(introduction=text, secondary=["gold reserve", "Reko Diq"])
    assert status(every, "secondary_keyphrases") == "good"
    some = article(introduction=text, secondary=["gold reserve", "lithium"])
    result = check(some, "secondary_keyphrases")
    assert result.status == "ok"
    assert "“lithium”" in result.message
    none = article(introduction=text, secondary=["lithium", "tungsten"])
    assert status(none, "secondary_keyphrases") == "bad"


# text_length


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "bad"), (99, "bad"), (100, "ok"), (300, "good")]
)
def test_text_length(count, expected):
    page = article(introduction=exact_words(count) if count else "")
    assert status(page, "text_length") == expected


# meta_description_length


@pytest.mark.parametrize(
    ("length", "expected"),
    [(49, "bad"), (50, "ok"), (120, "ok"), (121, "good"), (156, "good")],
)
def test_meta_description_length(length, expected):
    page = article(search_description="x" * length)
    assert status(page, "meta_description_length") == expected


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


def test_cut_title_keeps_whole_words_within_600_px():
    title = "Copper in Balochistan: " + "what investors must know " * 3
    shown = cut_title(title)
    assert shown.endswith(" ...")
    assert text_width(shown) <= 600
    assert title.startswith(shown.removesuffix(" ..."))
    assert cut_title("Short title") == "Short title"


# internal_links and outbound_links


def test_links_are_classified_from_stored_rich_text():
    body = [
        paragraph('See <a linktype="page" id="3">our Reko Diq guide</a>.'),
        paragraph('Read <a href="https://www.bloomberg.com/x">Bloomberg</a>.'),
        paragraph('Or <a href="mailto:info@btobservices.pk">write to us</a>.'),
    ]
    page = article(body=body)
    assert status(page, "internal_links") == "good"
    assert status(page, "outbound_links") == "good"
    assert "1 outbound" in check(page, "outbound_links").message


def test_absolute_link_to_our_own_host_is_internal():
    page = article(
        body=[paragraph('<a href="https://btobservices.pk/insights/">Insights</a>')]
    )
    assert status(page, "internal_links") == "good"
    assert status(page, "outbound_links") == "bad"


def test_no_links_at_all_fails_both():
    assert status(article(), "internal_links") == "bad"
    assert status(article(), "outbound_links") == "bad"


# single_h1


def test_title_is_the_single_h1_and_pasted_h1_breaks_it():
    assert status(article(), "single_h1") == "good"
    pasted = article(body=[paragraph("</p><h1>Another title</h1><p>Text")])
    result = check(pasted, "single_h1")
    assert result.status == "bad"
    assert "2 H1" in result.message


def test_single_h1_agrees_with_the_rendered_page(client):
    page = make_article(
        body=[heading("Output"), section(1, "Permits"), paragraph("Plain text.")]
    )
    soup = BeautifulSoup(client.get(page.url).content, "html5lib")
    assert len(soup.find_all("h1")) == 1
    assert status(page, "single_h1") == "good"


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
    page = article(introduction=sentence)
    assert status(page, "sentence_length") == "good"
    assert status(page, "sentence_length", glossary=()) == "bad"


def test_editors_glossary_terms_also_count():
    sentence = "Heap leaching " * 10 + "works for us here."
    page = article(introduction=sentence)
    assert status(page, "sentence_length") == "bad"
    assert status(page, "sentence_length", glossary=("heap leaching",)) == "good"


# paragraph_length and subheading_distribution


@pytest.mark.parametrize(
    ("count", "expected"), [(150, "good"), (151, "ok"), (200, "ok"), (201, "bad")]
)
def test_paragraph_length(count, expected):
    page = article(body=[paragraph(exact_words(count))])
    assert status(page, "paragraph_length") == expected


@pytest.mark.parametrize(
    ("count", "expected"), [(300, "good"), (301, "ok"), (350, "ok"), (351, "bad")]
)
def test_subheading_distribution(count, expected):
    half = count // 2
    body = [
        heading("Start"),
        paragraph(exact_words(half)),
        paragraph(exact_words(count - half)),
        heading("End"),
        paragraph(exact_words(10)),
    ]
    assert status(article(body=body), "subheading_distribution") == expected


# passive_voice


def test_passive_voice_detection():
    assert language.is_passive("The deal was signed in May.")
    assert language.is_passive("Samples are being quickly shipped.")
    assert language.is_passive("The ore was taken to Karachi.")
    assert not language.is_passive("The partners signed the deal.")
    assert not language.is_passive("The need is great.")


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
    sentences = language.split_sentences(plain)
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
    bare = SiteSettings(title_suffix="BTOB Services", risk_disclaimer="")
    assert status(article(), "risk_disclaimer", site_settings=bare) == "bad"
    stated = article(introduction="This is not investment advice.")
    assert status(stated, "risk_disclaimer", site_settings=bare) == "good"
    assert status(article(), "risk_disclaimer", site_settings=None) == "bad"


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


# Scores


def test_empty_article_scores_low():
    report = analyse_article(article(primary_keyword="", last_reviewed=None), context())
    assert report.seo_score < 30


def test_a_better_article_scores_higher():
    weak = article(introduction=words_text(120))
    body = [
        heading("Copper output in Balochistan"),
        paragraph(
            words_text(120)
            + ' See <a linktype="page" id="4">our Reko Diq guide</a> and '
            '<a href="https://www.mindat.org/">Mindat</a>.'
        ),
        heading("Permits and tax"),
        paragraph("However, copper from Balochistan needs roads. " + words_text(120)),
    ]
    strong = article(
        title="Copper in Balochistan: what investors know",
        introduction="Copper in Balochistan draws investors from the Gulf and Asia.",
        search_description="Copper in Balochistan: deposits, permits, partners and "
        "the risks that investors should weigh before they commit capital to a mine.",
        secondary=["permits"],
        body=body,
    )
    weak_report = analyse_article(weak, context())
    strong_report = analyse_article(strong, context())
    assert strong_report.seo_score > weak_report.seo_score
    assert strong_report.seo_score >= 80


def test_score_weights_good_ok_and_bad():
    page = article()
    report = analyse_article(page, context())
    scored = [c for c in report.checks if c.group == "seo" and c.scored]
    points = {"good": 1, "ok": 0.5, "bad": 0}
    expected = sum(points[c.status] * c.weight for c in scored) / sum(
        c.weight for c in scored
    )
    assert report.seo_score == round(expected * 100)


def test_glossary_from_site_settings_extends_the_built_in_one():
    site = make_home().get_site()
    seo_settings = SeoSettings.for_site(site)
    seo_settings.glossary = "heap leaching\n\n  run-of-mine  \n"
    seo_settings.save()
    built = seo_context_build(site=site)
    assert built.glossary[-2:] == ("heap leaching", "run-of-mine")
    assert "beneficiation" in built.glossary
    page = article(introduction="Heap leaching " * 10 + "works for us here.")
    assert analyse_article(page, built).check("sentence_length").status == "good"
