"""The SEO and readability checks, with the thresholds of issue 4."""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from articles.seo_analysis import language
from articles.seo_analysis.structure import Structure
from articles.seo_analysis.widths import TITLE_MAX_PX, TITLE_MIN_PX, text_width

GOOD, OK, BAD = "good", "ok", "bad"
POINTS = {GOOD: 1.0, OK: 0.5, BAD: 0.0}
REVIEW_MAX_AGE = timedelta(days=365)
DISCLAIMER_PHRASES = ("not investment advice", "risk disclaimer", "investment risk")

KeywordKey = tuple[str, ...]
READABILITY_CHECKS = frozenset(
    {
        "sentence_length",
        "paragraph_length",
        "subheading_distribution",
        "passive_voice",
        "transition_words",
        "consecutive_sentences",
        "flesch_reading_ease",
    }
)
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


@dataclass
class Check:
    id: str
    status: str
    message: str
    # Checks that do not apply (too little text) are shown but not scored.
    scored: bool = True

    @property
    def group(self) -> str:
        return "readability" if self.id in READABILITY_CHECKS else "seo"

    @property
    def weight(self) -> int:
        return WEIGHTS.get(self.id, 1)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "status": self.status, "message": self.message}


@dataclass
class Subject:
    """Everything the checks read, computed once per article."""

    key: KeywordKey
    secondary: list[str]
    seo_title: str
    meta_title: str
    meta_description: str
    description_is_fallback: bool
    slug: str
    structure: Structure
    last_reviewed: date | None
    disclaimer: str
    glossary: list[KeywordKey]
    other_owners: list[str]
    today: date
    sentences: list[str] = field(default_factory=list)
    readable: list[list[str]] = field(default_factory=list)
    word_count: int = 0

    def __post_init__(self) -> None:
        text_blocks = self.structure.paragraphs
        self.sentences = [
            sentence
            for block in text_blocks
            for sentence in language.split_sentences(block)
        ]
        self.readable = [
            readable_words(sentence, self.glossary) for sentence in self.sentences
        ]
        self.word_count = len(language.words(self.structure.text()))


def keyword_key(keyword: str) -> KeywordKey:
    return tuple(language.content_tokens(keyword)) if keyword.strip() else ()


def contains(text: str, key: KeywordKey, *, most: bool = False) -> bool:
    """Whether `text` has the key's content words (with `most`, over half of
    them), in any order and form."""
    if not key:
        return False
    present = set(language.tokens(text))
    found = sum(1 for token in key if token in present)
    return found * 2 > len(key) if most else found == len(key)


def starts_with(text: str, key: KeywordKey) -> bool:
    return bool(key) and tuple(language.content_tokens(text)[: len(key)]) == key


def _no_keyphrase(check_id: str) -> Check:
    return Check(check_id, BAD, "No primary keyword is set: add one under Keywords.")


def keyphrase_length(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_length")
    count = len(s.key)
    noun = "content word" if count == 1 else "content words"
    if count <= 4:
        return Check("keyphrase_length", GOOD, f"The keyphrase has {count} {noun}.")
    if count <= 8:
        return Check(
            "keyphrase_length",
            OK,
            f"The keyphrase has {count} {noun}; 4 or fewer are easier to rank for.",
        )
    return Check(
        "keyphrase_length",
        BAD,
        f"The keyphrase has {count} {noun}: cut it to 4 or fewer.",
    )


def keyphrase_in_title(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_title")
    if starts_with(s.seo_title, s.key):
        return Check(
            "keyphrase_in_title", GOOD, "The SEO title starts with the keyphrase."
        )
    if contains(s.seo_title, s.key):
        return Check(
            "keyphrase_in_title",
            OK,
            "The SEO title has the keyphrase, but not at its start.",
        )
    return Check("keyphrase_in_title", BAD, "The SEO title lacks the keyphrase.")


def keyphrase_in_introduction(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_introduction")
    if contains(s.structure.first_paragraph, s.key):
        return Check(
            "keyphrase_in_introduction",
            GOOD,
            "The first paragraph has the keyphrase.",
        )
    return Check(
        "keyphrase_in_introduction",
        BAD,
        "The first paragraph lacks the keyphrase: say early what the article is about.",
    )


def keyphrase_in_meta_description(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_meta_description")
    source = (
        " (not set, so taken from the page text)" if s.description_is_fallback else ""
    )
    if contains(s.meta_description, s.key):
        return Check(
            "keyphrase_in_meta_description",
            GOOD,
            f"The meta description{source} has the keyphrase.",
        )
    return Check(
        "keyphrase_in_meta_description",
        BAD,
        f"The meta description{source} lacks the keyphrase.",
    )


def keyphrase_in_slug(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_slug")
    slug_tokens = set(language.tokens(s.slug.replace("-", " ")))
    found = sum(1 for token in s.key if token in slug_tokens)
    if found == len(s.key):
        return Check("keyphrase_in_slug", GOOD, "The slug has every keyphrase word.")
    if found:
        return Check(
            "keyphrase_in_slug",
            OK,
            f"The slug has {found} of the {len(s.key)} keyphrase words.",
        )
    return Check("keyphrase_in_slug", BAD, "The slug has none of the keyphrase words.")


def keyphrase_density(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_density")
    if s.word_count < 100:
        return Check(
            "keyphrase_density",
            OK,
            f"Not assessed: the text has {s.word_count} words, under 100.",
            scored=False,
        )
    occurrences = sum(_occurrences(sentence, s.key) for sentence in s.sentences)
    density = occurrences / s.word_count * 100
    summary = (
        f"The keyphrase appears {occurrences} time{'' if occurrences == 1 else 's'} "
        f"in {s.word_count} words "
        f"({density:.1f} %)"
    )
    if 0.5 <= density <= 3:
        return Check("keyphrase_density", GOOD, f"{summary}.")
    if density < 0.5:
        return Check("keyphrase_density", OK, f"{summary}: use it more.")
    if density <= 4:
        return Check("keyphrase_density", OK, f"{summary}: slightly too often.")
    return Check("keyphrase_density", BAD, f"{summary}: that reads as stuffing.")


def _occurrences(sentence: str, key: KeywordKey) -> int:
    counts = Counter(language.tokens(sentence))
    needed = Counter(key)
    return min(counts[token] // times for token, times in needed.items())


def keyphrase_in_subheadings(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_subheadings")
    headings = s.structure.subheadings
    if not headings:
        return Check(
            "keyphrase_in_subheadings", BAD, "The article has no H2 or H3 subheadings."
        )
    # Headings are short: more than half of the keyphrase's words make a match.
    matched = sum(1 for heading in headings if contains(heading, s.key, most=True))
    share = matched / len(headings) * 100
    summary = f"{matched} of {len(headings)} subheadings reflect the keyphrase"
    if 30 <= share <= 75:
        return Check("keyphrase_in_subheadings", GOOD, f"{summary}.")
    if matched:
        advice = "more" if share < 30 else "fewer"
        return Check(
            "keyphrase_in_subheadings",
            OK,
            f"{summary} ({share:.0f} %): aim for 30-75 %, so {advice}.",
        )
    return Check("keyphrase_in_subheadings", BAD, f"{summary}.")


def keyphrase_in_image_alt(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_in_image_alt")
    alts = s.structure.image_alts
    if not alts:
        return Check(
            "keyphrase_in_image_alt",
            OK,
            "The article has no images; one with a descriptive alt text helps.",
        )
    matched = sum(1 for alt in alts if contains(alt, s.key, most=True))
    if matched:
        return Check(
            "keyphrase_in_image_alt",
            GOOD,
            f"{matched} of {len(alts)} image alt texts reflect the keyphrase.",
        )
    return Check(
        "keyphrase_in_image_alt",
        BAD,
        f"None of the {len(alts)} image alt texts reflects the keyphrase.",
    )


def keyphrase_unique(s: Subject) -> Check:
    if not s.key:
        return _no_keyphrase("keyphrase_unique")
    if s.other_owners:
        titles = ", ".join(f"“{title}”" for title in s.other_owners)
        return Check(
            "keyphrase_unique",
            BAD,
            f"Another article already targets this keyphrase: {titles}.",
        )
    return Check("keyphrase_unique", GOOD, "No other article targets this keyphrase.")


def secondary_keyphrases(s: Subject) -> Check:
    if not s.secondary:
        return Check(
            "secondary_keyphrases",
            OK,
            "No secondary keyphrases are set; add the related phrases readers "
            "search for.",
        )
    # A phrase counts where a sentence or a heading holds all its words, not
    # where its words lie scattered over the article.
    units = [
        set(language.tokens(sentence))
        for sentence in [*s.sentences, *s.structure.subheadings, *s.structure.others]
    ]
    missing = [
        phrase
        for phrase in s.secondary
        if not any(
            all(token in unit for token in keyword_key(phrase)) for unit in units
        )
    ]
    if not missing:
        return Check(
            "secondary_keyphrases", GOOD, "Every secondary keyphrase is in the text."
        )
    listed = ", ".join(f"“{phrase}”" for phrase in missing)
    if len(missing) < len(s.secondary):
        return Check("secondary_keyphrases", OK, f"Missing from the text: {listed}.")
    return Check(
        "secondary_keyphrases",
        BAD,
        f"None of the secondary keyphrases is in the text: {listed}.",
    )


def text_length(s: Subject) -> Check:
    count = s.word_count
    if count >= 300:
        return Check("text_length", GOOD, f"The text has {count} words.")
    if count >= 100:
        return Check(
            "text_length",
            OK,
            f"The text has {count} words; 300 or more cover a topic better.",
        )
    return Check(
        "text_length",
        BAD,
        f"The text has {count} words, far under the 300 recommended.",
    )


def meta_description_length(s: Subject) -> Check:
    length = len(s.meta_description)
    source = (
        " (not set, so taken from the page text)" if s.description_is_fallback else ""
    )
    summary = f"The meta description{source} has {length} characters"
    if 121 <= length <= 156:
        return Check("meta_description_length", GOOD, f"{summary}.")
    if 50 <= length <= 120 or 157 <= length <= 160:
        return Check(
            "meta_description_length",
            OK,
            f"{summary}; 121-156 fill the result snippet.",
        )
    if not length:
        return Check(
            "meta_description_length",
            BAD,
            "There is no meta description and no introduction to take one from.",
        )
    advice = "too short" if length < 50 else "cut off in results"
    return Check("meta_description_length", BAD, f"{summary}: {advice}.")


def title_width(s: Subject) -> Check:
    width = text_width(s.meta_title)
    summary = f"The title tag is {width:.0f} px wide"
    if TITLE_MIN_PX <= width <= TITLE_MAX_PX:
        return Check("title_width", GOOD, f"{summary}.")
    if width < TITLE_MIN_PX:
        return Check(
            "title_width",
            OK,
            f"{summary}; {TITLE_MIN_PX}-{TITLE_MAX_PX} px uses the room.",
        )
    return Check(
        "title_width",
        BAD,
        f"{summary}: Google cuts it at {TITLE_MAX_PX} px.",
    )


def internal_links(s: Subject) -> Check:
    count = sum(1 for link in s.structure.links if link.internal)
    if count:
        return Check("internal_links", GOOD, f"The text has {count} internal links.")
    return Check(
        "internal_links",
        BAD,
        "The text has no internal links: link to related articles.",
    )


def outbound_links(s: Subject) -> Check:
    count = sum(1 for link in s.structure.links if not link.internal)
    if count:
        return Check("outbound_links", GOOD, f"The text has {count} outbound links.")
    return Check(
        "outbound_links",
        BAD,
        "The text has no outbound links: cite your sources.",
    )


def single_h1(s: Subject) -> Check:
    # The page template renders the title as the one h1; body blocks render h2/h3
    # only, so an extra h1 can come only from pasted rich text.
    count = (1 if s.seo_title else 0) + s.structure.extra_h1s
    if count == 1:
        return Check("single_h1", GOOD, "The page has exactly one H1, its title.")
    return Check(
        "single_h1",
        BAD,
        f"The page has {count} H1 headings: keep only the title.",
    )


def risk_disclaimer(s: Subject) -> Check:
    text = language.normalise(f"{s.disclaimer} {s.structure.text()}")
    if s.disclaimer.strip() or any(phrase in text for phrase in DISCLAIMER_PHRASES):
        return Check(
            "risk_disclaimer",
            GOOD,
            "An investment-risk disclaimer is on the page.",
        )
    return Check(
        "risk_disclaimer",
        BAD,
        "No investment-risk disclaimer: set one in Settings, Site settings.",
    )


def review_date(s: Subject) -> Check:
    if s.last_reviewed is None:
        return Check("review_date", BAD, "The article has no “Last reviewed” date.")
    age = s.today - s.last_reviewed
    if age <= REVIEW_MAX_AGE:
        return Check(
            "review_date",
            GOOD,
            f"Last reviewed on {s.last_reviewed:%-d %B %Y}.",
        )
    return Check(
        "review_date",
        BAD,
        f"Last reviewed on {s.last_reviewed:%-d %B %Y}, over 12 months ago.",
    )


def readable_words(sentence: str, glossary: list[KeywordKey]) -> list[str]:
    """Words of a sentence, less glossary terms, which readers of ours know."""
    found = language.words(sentence)
    stems = [language.stem(word) for word in found]
    by_first: dict[str, list[KeywordKey]] = {}
    for term in glossary:
        if term:
            by_first.setdefault(term[0], []).append(term)
    drop: set[int] = set()
    for start, first in enumerate(stems):
        for term in by_first.get(first, ()):
            if tuple(stems[start : start + len(term)]) == term:
                drop.update(range(start, start + len(term)))
    return [word for position, word in enumerate(found) if position not in drop]


def sentence_length(s: Subject) -> Check:
    if not s.sentences:
        return Check(
            "sentence_length",
            OK,
            "Not assessed: no sentences.",
            scored=False,
        )
    long = sum(1 for words in s.readable if len(words) > 20)
    share = long / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences have more than 20 words"
    if share <= 25:
        return Check("sentence_length", GOOD, f"{summary}.")
    if share <= 30:
        return Check("sentence_length", OK, f"{summary}; aim for 25 % at most.")
    return Check(
        "sentence_length",
        BAD,
        f"{summary}, over the 25 % recommended: split the long ones.",
    )


def paragraph_length(s: Subject) -> Check:
    lengths = [len(language.words(text)) for text in s.structure.paragraphs]
    longest = max(lengths, default=0)
    if longest <= 150:
        return Check(
            "paragraph_length",
            GOOD,
            f"The longest paragraph has {longest} words.",
        )
    if longest <= 200:
        return Check(
            "paragraph_length",
            OK,
            f"The longest paragraph has {longest} words; keep them to 150.",
        )
    over = sum(1 for length in lengths if length > 150)
    return Check(
        "paragraph_length",
        BAD,
        f"{over} paragraphs have more than 150 words (the longest {longest}).",
    )


def subheading_distribution(s: Subject) -> Check:
    sections: list[int] = [0]
    for kind, text in s.structure.items:
        if kind == "heading":
            sections.append(0)
        else:
            sections[-1] += len(language.words(text))
    longest = max(sections)
    if longest <= 300:
        return Check(
            "subheading_distribution",
            GOOD,
            f"The longest stretch without a subheading has {longest} words.",
        )
    if longest <= 350:
        return Check(
            "subheading_distribution",
            OK,
            f"The longest stretch without a subheading has {longest} words; "
            "300 at most reads better.",
        )
    return Check(
        "subheading_distribution",
        BAD,
        f"A stretch of {longest} words has no subheading: break it up.",
    )


def passive_voice(s: Subject) -> Check:
    if not s.sentences:
        return Check(
            "passive_voice",
            OK,
            "Not assessed: no sentences.",
            scored=False,
        )
    passive = sum(1 for sentence in s.sentences if language.is_passive(sentence))
    share = passive / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences are in the passive voice"
    if share <= 10:
        return Check("passive_voice", GOOD, f"{summary}.")
    if share <= 15:
        return Check("passive_voice", OK, f"{summary}; 10 % at most reads better.")
    return Check("passive_voice", BAD, f"{summary}: prefer the active voice.")


def transition_words(s: Subject) -> Check:
    if s.word_count < 200 or not s.sentences:
        return Check(
            "transition_words",
            OK,
            f"Not assessed: the text has {s.word_count} words, under 200.",
            scored=False,
        )
    linked = sum(1 for sentence in s.sentences if language.has_transition(sentence))
    share = linked / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences have a transition word"
    if share >= 30:
        return Check("transition_words", GOOD, f"{summary}.")
    if share >= 20:
        return Check("transition_words", OK, f"{summary}; 30 % links ideas better.")
    return Check(
        "transition_words",
        BAD,
        f"{summary}: use words like “however” or “as a result”.",
    )


def consecutive_sentences(s: Subject) -> Check:
    longest = 0
    for paragraph in s.structure.paragraphs:
        starts = [
            language.first_word(sentence)
            for sentence in language.split_sentences(paragraph)
        ]
        longest = max(longest, language.longest_run(starts))
    if longest < 3:
        return Check(
            "consecutive_sentences",
            GOOD,
            "No three sentences in a row start with the same word.",
        )
    return Check(
        "consecutive_sentences",
        BAD,
        f"{longest} sentences in a row start with the same word: vary them.",
    )


def flesch_reading_ease(s: Subject) -> Check:
    sentence_words = s.readable
    all_words = [word for words in sentence_words for word in words]
    if not all_words:
        return Check(
            "flesch_reading_ease",
            OK,
            "Not assessed: no sentences.",
            scored=False,
        )
    syllables = sum(language.count_syllables(word) for word in all_words)
    score = (
        206.835
        - 1.015 * (len(all_words) / len(sentence_words))
        - 84.6 * (syllables / len(all_words))
    )
    score = max(0.0, min(100.0, score))
    return Check(
        "flesch_reading_ease",
        OK,
        f"Flesch reading ease {score:.1f}: {_flesch_label(score)}.",
        scored=False,
    )


def _flesch_label(score: float) -> str:
    for floor, label in (
        (90, "very easy"),
        (80, "easy"),
        (70, "fairly easy"),
        (60, "plain English"),
        (50, "fairly difficult"),
        (30, "difficult"),
    ):
        if score >= floor:
            return label
    return "very difficult"


ALL_CHECKS = (
    keyphrase_length,
    keyphrase_in_title,
    keyphrase_in_introduction,
    keyphrase_in_meta_description,
    keyphrase_in_slug,
    keyphrase_density,
    keyphrase_in_subheadings,
    keyphrase_in_image_alt,
    keyphrase_unique,
    secondary_keyphrases,
    text_length,
    meta_description_length,
    title_width,
    internal_links,
    outbound_links,
    single_h1,
    sentence_length,
    paragraph_length,
    subheading_distribution,
    passive_voice,
    transition_words,
    consecutive_sentences,
    flesch_reading_ease,
    risk_disclaimer,
    review_date,
)


def score(checks: list[Check], group: str) -> int:
    """Weighted share of points: good 1, ok 0.5, bad 0; unscored checks left out."""
    scored = [check for check in checks if check.group == group and check.scored]
    total = sum(check.weight for check in scored)
    if not total:
        return 0
    earned = sum(POINTS[check.status] * check.weight for check in scored)
    return math.floor(earned / total * 100 + 0.5)
