"""The SEO and readability checks, with the thresholds of issue 4.

Each check is declared once with `@check(id=..., group=..., weight=...)`; a report
lists them in the order they are declared here.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from urllib.parse import urlsplit

from articles.seo_analysis import language
from articles.seo_analysis.document import ArticleDocument
from articles.seo_analysis.keyphrases import KeywordKey, collision_key, keyword_key
from articles.seo_analysis.registry import (
    OK,
    READABILITY,
    Verdict,
    bad,
    check,
    good,
    not_assessed,
    ok,
)
from articles.seo_analysis.widths import TITLE_MAX_PX, TITLE_MIN_PX, text_width
from articles.text import (
    DETAIL,
    HEADING,
    IMAGE_ALT,
    LINK,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TextItem,
)

REVIEW_MAX_AGE = timedelta(days=365)
DISCLAIMER_PHRASES = ("not investment advice", "risk disclaimer", "investment risk")
# The page template renders the title as the one h1 and body blocks h2 and h3:
# only those split the text into sections. Other levels come from pasted rich
# text and read as paragraphs.
SUBHEADING_LEVELS = frozenset({2, 3})
PROSE = frozenset({PARAGRAPH, LIST_ITEM, QUOTE})


@dataclass(frozen=True)
class Link:
    href: str
    internal: bool


class Subject:
    """A document as the checks read it; each reading is worked out once."""

    def __init__(self, document: ArticleDocument):
        self.document = document

    @cached_property
    def key(self) -> KeywordKey:
        return keyword_key(self.document.primary_keyphrase)

    @cached_property
    def secondary(self) -> list[str]:
        return [k for k in self.document.secondary_keyphrases if k.strip()]

    @cached_property
    def passages(self) -> list[tuple[str, str]]:
        """Text in reading order: ("heading", text) starts a section,
        ("paragraph", text) is prose, ("detail", text) counts but is not prose."""
        return [
            passage
            for item in self.document.items
            if (passage := _passage(item)) is not None
        ]

    @cached_property
    def paragraphs(self) -> list[str]:
        return [text for kind, text in self.passages if kind == PARAGRAPH]

    @cached_property
    def subheadings(self) -> list[str]:
        return [text for kind, text in self.passages if kind == HEADING]

    @cached_property
    def details(self) -> list[str]:
        return [text for kind, text in self.passages if kind == DETAIL]

    @property
    def first_paragraph(self) -> str:
        return next(iter(self.paragraphs), "")

    @cached_property
    def text(self) -> str:
        return " ".join(text for kind, text in self.passages if kind != HEADING)

    @cached_property
    def passage_word_counts(self) -> list[int]:
        """The number of words of each passage."""
        return [len(language.words(text)) for _, text in self.passages]

    @cached_property
    def word_count(self) -> int:
        # The passages' words are those of the text they join into.
        return sum(
            count
            for (kind, _), count in zip(
                self.passages, self.passage_word_counts, strict=True
            )
            if kind != HEADING
        )

    @cached_property
    def paragraph_sentences(self) -> list[list[str]]:
        return [language.split_sentences(paragraph) for paragraph in self.paragraphs]

    @cached_property
    def sentences(self) -> list[str]:
        return [
            sentence for sentences in self.paragraph_sentences for sentence in sentences
        ]

    @cached_property
    def sentence_words(self) -> list[list[str]]:
        return [language.words(sentence) for sentence in self.sentences]

    @cached_property
    def sentence_tokens(self) -> list[list[str]]:
        return [
            [language.stem(word) for word in words] for words in self.sentence_words
        ]

    @cached_property
    def readable(self) -> list[list[str]]:
        """The words of each sentence, less glossary terms."""
        glossary: dict[str, list[KeywordKey]] = {}
        for term in self.document.glossary:
            if key := tuple(language.tokens(term)):
                glossary.setdefault(key[0], []).append(key)
        return [
            readable_words(words, tokens, glossary)
            for words, tokens in zip(
                self.sentence_words, self.sentence_tokens, strict=True
            )
        ]

    @cached_property
    def image_alts(self) -> list[str]:
        return [item.text for item in self.document.items if item.kind == IMAGE_ALT]

    @cached_property
    def links(self) -> list[Link]:
        own_hosts = self.document.own_hosts
        return [
            link
            for item in self.document.items
            if item.kind == LINK and (link := _link(item.href or "", own_hosts))
        ]

    @cached_property
    def extra_h1s(self) -> int:
        return sum(
            1
            for item in self.document.items
            if item.kind == HEADING and item.level == 1
        )

    @cached_property
    def other_owners(self) -> list[str]:
        """Titles of other articles that target the same keyphrase."""
        if not self.key:
            return []
        owners = self.document.keyphrase_owners.get(collision_key(self.key), [])
        article_id = self.document.article_id
        return sorted(
            {
                owner.title
                for owner in owners
                if article_id is None or owner.page_id != article_id
            }
        )


def _passage(item: TextItem) -> tuple[str, str] | None:
    if item.kind == HEADING:
        kind = HEADING if item.level in SUBHEADING_LEVELS else PARAGRAPH
    elif item.kind in PROSE:
        kind = PARAGRAPH
    elif item.kind == DETAIL:
        kind = DETAIL
    else:
        return None
    return (kind, item.text) if item.text else None


def _link(href: str, own_hosts: frozenset[str]) -> Link | None:
    if href.startswith(("page:", "document:")):
        return Link(href=href, internal=True)
    if not href or href.startswith(("mailto:", "tel:", "#")):
        return None
    parts = urlsplit(href)
    if parts.scheme in {"http", "https"}:
        return Link(href=href, internal=parts.hostname in own_hosts)
    return Link(href=href, internal=not parts.scheme)


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


def _no_keyphrase() -> Verdict:
    return bad("No primary keyword is set: add one under Keywords.")


@check(id="keyphrase_length")
def keyphrase_length(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    count = len(s.key)
    noun = "content word" if count == 1 else "content words"
    if count <= 4:
        return good(f"The keyphrase has {count} {noun}.")
    if count <= 8:
        return ok(
            f"The keyphrase has {count} {noun}; 4 or fewer are easier to rank for."
        )
    return bad(f"The keyphrase has {count} {noun}: cut it to 4 or fewer.")


@check(id="keyphrase_in_title", weight=3)
def keyphrase_in_title(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    if starts_with(s.document.seo_title, s.key):
        return good("The SEO title starts with the keyphrase.")
    if contains(s.document.seo_title, s.key):
        return ok("The SEO title has the keyphrase, but not at its start.")
    return bad("The SEO title lacks the keyphrase.")


@check(id="keyphrase_in_introduction", weight=2)
def keyphrase_in_introduction(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    if contains(s.first_paragraph, s.key):
        return good("The first paragraph has the keyphrase.")
    return bad(
        "The first paragraph lacks the keyphrase: say early what the article is about."
    )


@check(id="keyphrase_in_meta_description", weight=2)
def keyphrase_in_meta_description(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    source = (
        " (not set, so taken from the page text)"
        if s.document.description_is_fallback
        else ""
    )
    if contains(s.document.meta_description, s.key):
        return good(f"The meta description{source} has the keyphrase.")
    return bad(f"The meta description{source} lacks the keyphrase.")


@check(id="keyphrase_in_slug")
def keyphrase_in_slug(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    slug_tokens = set(language.tokens(s.document.slug.replace("-", " ")))
    found = sum(1 for token in s.key if token in slug_tokens)
    if found == len(s.key):
        return good("The slug has every keyphrase word.")
    if found:
        return ok(f"The slug has {found} of the {len(s.key)} keyphrase words.")
    return bad("The slug has none of the keyphrase words.")


@check(id="keyphrase_density", weight=2)
def keyphrase_density(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    if s.word_count < 100:
        return not_assessed(f"the text has {s.word_count} words, under 100.")
    needed = Counter(s.key)
    occurrences = sum(_occurrences(tokens, needed) for tokens in s.sentence_tokens)
    density = occurrences / s.word_count * 100
    summary = (
        f"The keyphrase appears {occurrences} time{'' if occurrences == 1 else 's'} "
        f"in {s.word_count} words "
        f"({density:.1f} %)"
    )
    if 0.5 <= density <= 3:
        return good(f"{summary}.")
    if density < 0.5:
        return ok(f"{summary}: use it more.")
    if density <= 4:
        return ok(f"{summary}: slightly too often.")
    return bad(f"{summary}: that reads as stuffing.")


def _occurrences(tokens: list[str], needed: Counter) -> int:
    """How many times a sentence's tokens hold every keyphrase token."""
    # Most sentences lack some keyphrase word: they need no count.
    if any(token not in tokens for token in needed):
        return 0
    counts = Counter(tokens)
    return min(counts[token] // times for token, times in needed.items())


@check(id="keyphrase_in_subheadings")
def keyphrase_in_subheadings(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    headings = s.subheadings
    if not headings:
        return bad("The article has no H2 or H3 subheadings.")
    # Headings are short: more than half of the keyphrase's words make a match.
    matched = sum(1 for heading in headings if contains(heading, s.key, most=True))
    share = matched / len(headings) * 100
    summary = f"{matched} of {len(headings)} subheadings reflect the keyphrase"
    if 30 <= share <= 75:
        return good(f"{summary}.")
    if matched:
        advice = "more" if share < 30 else "fewer"
        return ok(f"{summary} ({share:.0f} %): aim for 30-75 %, so {advice}.")
    return bad(f"{summary}.")


@check(id="keyphrase_in_image_alt")
def keyphrase_in_image_alt(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    alts = s.image_alts
    if not alts:
        return ok("The article has no images; one with a descriptive alt text helps.")
    matched = sum(1 for alt in alts if contains(alt, s.key, most=True))
    if matched:
        return good(f"{matched} of {len(alts)} image alt texts reflect the keyphrase.")
    return bad(f"None of the {len(alts)} image alt texts reflects the keyphrase.")


@check(id="keyphrase_unique", weight=2)
def keyphrase_unique(s: Subject) -> Verdict:
    if not s.key:
        return _no_keyphrase()
    if s.other_owners:
        titles = ", ".join(f"“{title}”" for title in s.other_owners)
        return bad(f"Another article already targets this keyphrase: {titles}.")
    return good("No other article targets this keyphrase.")


@check(id="secondary_keyphrases")
def secondary_keyphrases(s: Subject) -> Verdict:
    if not s.secondary:
        return ok(
            "No secondary keyphrases are set; add the related phrases readers "
            "search for.",
        )
    # A phrase counts where a sentence or a heading holds all its words, not
    # where its words lie scattered over the article.
    units = [set(tokens) for tokens in s.sentence_tokens] + [
        set(language.tokens(text)) for text in [*s.subheadings, *s.details]
    ]
    keys = {phrase: keyword_key(phrase) for phrase in s.secondary}
    missing = [
        phrase
        for phrase in s.secondary
        if not any(all(token in unit for token in keys[phrase]) for unit in units)
    ]
    if not missing:
        return good("Every secondary keyphrase is in the text.")
    listed = ", ".join(f"“{phrase}”" for phrase in missing)
    if len(missing) < len(s.secondary):
        return ok(f"Missing from the text: {listed}.")
    return bad(f"None of the secondary keyphrases is in the text: {listed}.")


@check(id="text_length", weight=2)
def text_length(s: Subject) -> Verdict:
    count = s.word_count
    if count >= 300:
        return good(f"The text has {count} words.")
    if count >= 100:
        return ok(f"The text has {count} words; 300 or more cover a topic better.")
    return bad(f"The text has {count} words, far under the 300 recommended.")


@check(id="meta_description_length", weight=2)
def meta_description_length(s: Subject) -> Verdict:
    length = len(s.document.meta_description)
    source = (
        " (not set, so taken from the page text)"
        if s.document.description_is_fallback
        else ""
    )
    summary = f"The meta description{source} has {length} characters"
    if 121 <= length <= 156:
        return good(f"{summary}.")
    if 50 <= length <= 120 or 157 <= length <= 160:
        return ok(f"{summary}; 121-156 fill the result snippet.")
    if not length:
        return bad("There is no meta description and no introduction to take one from.")
    advice = "too short" if length < 50 else "cut off in results"
    return bad(f"{summary}: {advice}.")


@check(id="title_width")
def title_width(s: Subject) -> Verdict:
    width = text_width(s.document.title_tag)
    summary = f"The title tag is {width:.0f} px wide"
    if TITLE_MIN_PX <= width <= TITLE_MAX_PX:
        return good(f"{summary}.")
    if width < TITLE_MIN_PX:
        return ok(f"{summary}; {TITLE_MIN_PX}-{TITLE_MAX_PX} px uses the room.")
    return bad(f"{summary}: Google cuts it at {TITLE_MAX_PX} px.")


@check(id="internal_links")
def internal_links(s: Subject) -> Verdict:
    count = sum(1 for link in s.links if link.internal)
    if count:
        return good(f"The text has {count} internal links.")
    return bad("The text has no internal links: link to related articles.")


@check(id="outbound_links")
def outbound_links(s: Subject) -> Verdict:
    count = sum(1 for link in s.links if not link.internal)
    if count:
        return good(f"The text has {count} outbound links.")
    return bad("The text has no outbound links: cite your sources.")


@check(id="single_h1", weight=2)
def single_h1(s: Subject) -> Verdict:
    # The page template renders the title as the one h1; body blocks render h2/h3
    # only, so an extra h1 can come only from pasted rich text.
    count = (1 if s.document.seo_title else 0) + s.extra_h1s
    if count == 1:
        return good("The page has exactly one H1, its title.")
    return bad(f"The page has {count} H1 headings: keep only the title.")


def readable_words(
    words: list[str], stems: list[str], glossary: dict[str, list[KeywordKey]]
) -> list[str]:
    """A sentence's words, less glossary terms (their stems, by first stem),
    which readers of ours know."""
    if glossary.keys().isdisjoint(stems):
        return words
    drop: set[int] = set()
    for start, first in enumerate(stems):
        for term in glossary.get(first, ()):
            if tuple(stems[start : start + len(term)]) == term:
                drop.update(range(start, start + len(term)))
    if not drop:
        return words
    return [word for position, word in enumerate(words) if position not in drop]


@check(id="sentence_length", group=READABILITY)
def sentence_length(s: Subject) -> Verdict:
    if not s.sentences:
        return not_assessed("no sentences.")
    long = sum(1 for words in s.readable if len(words) > 20)
    share = long / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences have more than 20 words"
    if share <= 25:
        return good(f"{summary}.")
    if share <= 30:
        return ok(f"{summary}; aim for 25 % at most.")
    return bad(f"{summary}, over the 25 % recommended: split the long ones.")


@check(id="paragraph_length", group=READABILITY)
def paragraph_length(s: Subject) -> Verdict:
    lengths = [
        count
        for (kind, _), count in zip(s.passages, s.passage_word_counts, strict=True)
        if kind == PARAGRAPH
    ]
    longest = max(lengths, default=0)
    if longest <= 150:
        return good(f"The longest paragraph has {longest} words.")
    if longest <= 200:
        return ok(f"The longest paragraph has {longest} words; keep them to 150.")
    over = sum(1 for length in lengths if length > 150)
    return bad(f"{over} paragraphs have more than 150 words (the longest {longest}).")


@check(id="subheading_distribution", group=READABILITY)
def subheading_distribution(s: Subject) -> Verdict:
    sections: list[int] = [0]
    for (kind, _), count in zip(s.passages, s.passage_word_counts, strict=True):
        if kind == HEADING:
            sections.append(0)
        else:
            sections[-1] += count
    longest = max(sections)
    if longest <= 300:
        return good(f"The longest stretch without a subheading has {longest} words.")
    if longest <= 350:
        return ok(
            f"The longest stretch without a subheading has {longest} words; "
            "300 at most reads better.",
        )
    return bad(f"A stretch of {longest} words has no subheading: break it up.")


@check(id="passive_voice", group=READABILITY)
def passive_voice(s: Subject) -> Verdict:
    if not s.sentences:
        return not_assessed("no sentences.")
    passive = sum(1 for sentence in s.sentences if language.is_passive(sentence))
    share = passive / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences are in the passive voice"
    if share <= 10:
        return good(f"{summary}.")
    if share <= 15:
        return ok(f"{summary}; 10 % at most reads better.")
    return bad(f"{summary}: prefer the active voice.")


@check(id="transition_words", group=READABILITY)
def transition_words(s: Subject) -> Verdict:
    if s.word_count < 200 or not s.sentences:
        return not_assessed(f"the text has {s.word_count} words, under 200.")
    linked = sum(1 for sentence in s.sentences if language.has_transition(sentence))
    share = linked / len(s.sentences) * 100
    summary = f"{share:.0f} % of sentences have a transition word"
    if share >= 30:
        return good(f"{summary}.")
    if share >= 20:
        return ok(f"{summary}; 30 % links ideas better.")
    return bad(f"{summary}: use words like “however” or “as a result”.")


@check(id="consecutive_sentences", group=READABILITY)
def consecutive_sentences(s: Subject) -> Verdict:
    longest = 0
    for sentences in s.paragraph_sentences:
        starts = [language.first_word(sentence) for sentence in sentences]
        longest = max(longest, language.longest_run(starts))
    if longest < 3:
        return good("No three sentences in a row start with the same word.")
    return bad(f"{longest} sentences in a row start with the same word: vary them.")


@check(id="flesch_reading_ease", group=READABILITY)
def flesch_reading_ease(s: Subject) -> Verdict:
    sentence_words = s.readable
    all_words = [word for words in sentence_words for word in words]
    if not all_words:
        return not_assessed("no sentences.")
    syllables = sum(language.count_syllables(word) for word in all_words)
    score = (
        206.835
        - 1.015 * (len(all_words) / len(sentence_words))
        - 84.6 * (syllables / len(all_words))
    )
    score = max(0.0, min(100.0, score))
    # Information only: the readability score leaves it out.
    return Verdict(
        OK, f"Flesch reading ease {score:.1f}: {_flesch_label(score)}.", scored=False
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


@check(id="risk_disclaimer", weight=2)
def risk_disclaimer(s: Subject) -> Verdict:
    if s.document.risk_disclaimer.strip() or _mentions_risk(s.text):
        return good("An investment-risk disclaimer is on the page.")
    return bad("No investment-risk disclaimer: set one in Settings, Site settings.")


def _mentions_risk(text: str) -> bool:
    text = language.normalise(text)
    return any(phrase in text for phrase in DISCLAIMER_PHRASES)


@check(id="review_date")
def review_date(s: Subject) -> Verdict:
    if s.document.last_reviewed is None:
        return bad("The article has no “Last reviewed” date.")
    age = s.document.today - s.document.last_reviewed
    if age <= REVIEW_MAX_AGE:
        return good(f"Last reviewed on {s.document.last_reviewed:%-d %B %Y}.")
    return bad(
        f"Last reviewed on {s.document.last_reviewed:%-d %B %Y}, over 12 months ago."
    )
