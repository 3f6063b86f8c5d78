"""English text handling for the SEO checks: words, sentences, forgiving matching."""

import re
from collections.abc import Iterable
from functools import lru_cache

APOSTROPHES = ("’", "‘", "ʼ", "`", "´")
# "U.S.", "U.K.", "e.g." read as one word each, so "U.S." = "US".
DOTTED_ABBREVIATION = re.compile(r"\b(?:[A-Za-z]\.){2,}")
# What every dotted abbreviation holds: searching for it is far quicker than
# the substitution, which most text does not need.
DOTTED_INNER = re.compile(r"\.[A-Za-z]\.")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9])")
# Abbreviations whose dot ends no sentence.
TITLES = ("Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Inc", "Ltd", "Co", "No", "vs", "etc")

FUNCTION_WORDS = frozenset(
    """a an the and or but nor of in on at to for from by with without about into
    onto over under than then as is are was were be been being am do does did has
    have had it its this that these those there their them they he she we you your
    our his her i me my not no so if than too very can will would should could
    may might must shall what which who whom whose how why when where all any some
    such own same other up down out off""".split()
)

TRANSITION_PHRASES = (
    "accordingly|additionally|afterward|afterwards|also|although|besides|because|"
    "consequently|conversely|finally|first|firstly|second|secondly|third|thirdly|"
    "furthermore|hence|however|indeed|instead|likewise|meanwhile|moreover|"
    "nevertheless|nonetheless|notably|otherwise|overall|similarly|since|so|still|"
    "subsequently|then|therefore|thus|ultimately|whereas|while|yet|especially|"
    "particularly|specifically|namely|alternatively|equally|lastly|next|"
    "for example|for instance|in addition|in contrast|in fact|in other words|"
    "in short|in summary|in conclusion|as a result|as well as|on the other hand|"
    "at the same time|above all|after all|in particular|such as|due to|because of|"
    "in the meantime|to begin with|as long as|even though|not only|rather than|"
    "in turn|by contrast|to that end|alongside|beyond"
)


def any_of(phrases: Iterable[str]) -> str:
    """A regex that matches any of `phrases`, as a trie: "al(?:so|though)".

    It matches the same strings as "|".join(phrases), many times quicker: Python's
    re tries every branch of a flat alternation at every position."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [
            re.escape(char) + pattern(node[char]) for char in sorted(node) if char
        ]
        if not branches:
            return ""
        group = f"(?:{'|'.join(branches)})"
        # The end of a phrase that goes on in others: "first" of "firstly".
        return f"{group}?" if "" in node else group

    return pattern(trie)


TRANSITION = re.compile(rf"\b(?:{any_of(TRANSITION_PHRASES.split('|'))})\b")
TITLE_ABBREVIATION = re.compile(rf"\b({any_of(TITLES)})\.")

BE_FORMS = frozenset(
    "am is are was were be been being get gets got gotten getting".split()
)
IRREGULAR_PARTICIPLES = frozenset(
    """arisen awoken been borne beaten become begun bent bet bid bitten blown broken
    brought built burnt bought caught chosen come cost cut dealt done drawn dreamt
    driven drunk eaten fallen fed felt fought found fled flown forbidden forgotten
    forgiven frozen given gone ground grown hung heard hidden hit held hurt kept
    known laid led left lent let lain lit lost made meant met paid put quit read
    ridden rung risen run said seen sought sold sent set shaken shed shot shown shut
    sung sunk sat slain slept slid spoken spent spun split spread sprung stood
    stolen stuck stung struck sworn swept swum swung taken taught torn told thought
    thrown understood undertaken woken worn woven won wound withdrawn written""".split()
)
NOT_PARTICIPLES = frozenset("need indeed seed feed bed red shed hundred".split())


def normalise(text: str) -> str:
    """Lower-case text with one kind of apostrophe and undotted abbreviations."""
    # str.replace() scans in C; str.translate() looks every character up.
    for apostrophe in APOSTROPHES:
        text = text.replace(apostrophe, "'")
    return undot(text).lower()


def undot(text: str) -> str:
    """ "U.S." as "US"."""
    if DOTTED_INNER.search(text) is None:
        return text
    return DOTTED_ABBREVIATION.sub(lambda match: match.group(0).replace(".", ""), text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Fold possessives and plurals onto one form: "Pakistan's", "minerals"."""
    word = word.removesuffix("'s").rstrip("'")
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Raw words of `text`, normalised but not stemmed."""
    return list(_words(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(normalise(text)))


def tokens(text: str) -> list[str]:
    return [stem(word) for word in words(text)]


def content_tokens(text: str) -> list[str]:
    """Stemmed words without function words; all words if that leaves none."""
    every = words(text)
    content = [stem(word) for word in every if word not in FUNCTION_WORDS]
    return content or [stem(word) for word in every]


def split_sentences(text: str) -> list[str]:
    protected = TITLE_ABBREVIATION.sub(lambda match: match.group(1), undot(text))
    return [part.strip() for part in SENTENCE_END.split(protected) if part.strip()]


@lru_cache(maxsize=65536)
def count_syllables(word: str) -> int:
    word = re.sub(r"[^a-z]", "", word.lower())
    if not word:
        return 0
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def is_passive(sentence: str) -> bool:
    """A form of "to be" or "to get" followed, within two words, by a participle."""
    sentence_words = words(sentence)
    for position, word in enumerate(sentence_words):
        if word not in BE_FORMS:
            continue
        for following in sentence_words[position + 1 : position + 4]:
            if _is_participle(following):
                return True
            if not following.endswith("ly") and following not in {"not", "also"}:
                break
    return False


def _is_participle(word: str) -> bool:
    if word in IRREGULAR_PARTICIPLES:
        return True
    return word.endswith("ed") and len(word) > 4 and word not in NOT_PARTICIPLES


def has_transition(sentence: str) -> bool:
    return TRANSITION.search(normalise(sentence)) is not None


def first_word(sentence: str) -> str:
    sentence_words = [stem(word) for word in words(sentence)]
    if not sentence_words:
        return ""
    if sentence_words[0] in {"the", "a", "an"} and len(sentence_words) > 1:
        return " ".join(sentence_words[:2])
    return sentence_words[0]


def longest_run(items: Iterable[str]) -> int:
    """The longest run of equal, non-empty consecutive items."""
    best = run = 0
    previous = None
    for item in items:
        run = run + 1 if item and item == previous else (1 if item else 0)
        previous = item
        best = max(best, run)
    return best
