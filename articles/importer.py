"""Turn a plain-text draft in the client's format into an ArticlePage.

The format, as in `articles/demo/000_f85048494396b3d4.txt`: title, subtitle,
introduction, group headings with numbered sections under them, list-like
"Label: text" lines, a conclusion, a call to action, and a "Primary & Secondary
SEO Keywords" block that is editor metadata and never reaches the body.
"""

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify

from articles.models import ArticleIndexPage, ArticlePage, Author, Mineral
from articles.text import LABEL, LINK, stream_text_items

MAX_TITLE = 255
MAX_SUBTITLE = 200
MAX_HEADING = 110
MAX_HEADING_WORDS = 14
MAX_LIST_LABEL_WORDS = 6

NUMBERED = re.compile(r"^(\d{1,2})[.)]\s+(\S.*)$")
LIST_ITEM = re.compile(r"^([^:]{1,60}):\s+(\S.*)$")
KEYWORD_BLOCK = re.compile(r"\bseo\s+keywords?\b", re.IGNORECASE)
KEYWORD_LINE = re.compile(r"^(primary|secondary)(?:\s+keywords?)?\s*:\s*(.*)$", re.I)
CALL_TO_ACTION = re.compile(r"^call\s+to\s+action$", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", ":", ";", ",")


class DraftError(Exception):
    """The draft cannot be imported; the message says why in one sentence."""


@dataclass
class ParsedDraft:
    title: str
    subtitle: str = ""
    introduction: str = ""
    body: list[dict] = field(default_factory=list)
    primary_keyword: str = ""
    secondary_keywords: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def plain_text(self) -> str:
        body = ArticlePage.body.field.stream_block.to_python(self.body)
        texts = [
            item.text
            for item in stream_text_items(body)
            if item.kind not in {LINK, LABEL}
        ]
        return " ".join([self.title, self.subtitle, self.introduction, *texts])

    @property
    def section_count(self) -> int:
        return sum(1 for block in self.body if block["type"] == "numbered_section")

    @property
    def heading_count(self) -> int:
        return sum(1 for block in self.body if block["type"] == "heading")


def read_draft(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise DraftError(f"{path} does not exist.") from error
    except IsADirectoryError as error:
        raise DraftError(f"{path} is a directory, not a draft file.") from error
    except OSError as error:
        raise DraftError(f"{path} cannot be read: {error.strerror}.") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftError(
            f"{path} is not UTF-8 text (invalid byte at position {error.start}); "
            "save the draft as UTF-8 and try again."
        ) from error
    if "\x00" in text:
        raise DraftError(f"{path} contains NUL bytes, so it is not a text draft.")
    return text


def _is_heading(line: str) -> bool:
    return (
        len(line) <= MAX_HEADING
        and len(line.split()) <= MAX_HEADING_WORDS
        and not line.endswith(SENTENCE_END)
        and not NUMBERED.match(line)
    )


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "value": f"<p>{escape(text)}</p>"}


def _list_item(label: str, text: str) -> str:
    return f"<b>{escape(label)}:</b> {escape(text)}"


def _split_phrases(text: str) -> list[str]:
    return [phrase.strip(" .") for phrase in text.split(",") if phrase.strip(" .")]


class _Builder:
    def __init__(self, draft: ParsedDraft):
        self.draft = draft
        self.container = draft.body
        self.mode = "body"
        self.cta: dict | None = None
        self.previous = ""
        self.pending_heading: tuple[int, str] | None = None

    def add_line(self, number: int, line: str) -> None:
        if KEYWORD_BLOCK.search(line) and _is_heading(line):
            self._close_heading()
            self.mode = "keywords"
        elif self.mode == "keywords" and (match := KEYWORD_LINE.match(line)):
            self._add_keywords(match.group(1).lower(), match.group(2))
        elif match := NUMBERED.match(line):
            self._close_heading()
            self.mode = "body"
            section = {
                "type": "numbered_section",
                "value": {
                    "number": int(match.group(1)),
                    "heading": match.group(2).strip(),
                    "content": [],
                },
            }
            self.draft.body.append(section)
            self.container = section["value"]["content"]
        elif self._is_list_item(line):
            label, text = LIST_ITEM.match(line).groups()
            self._close_heading()
            self._append_list_item(_list_item(label.strip(), text.strip()))
        elif _is_heading(line) and self.mode != "cta":
            self._close_heading()
            if CALL_TO_ACTION.match(line):
                self.mode = "cta"
                self.cta = None
            else:
                self.mode = "body"
                self.pending_heading = (number, line)
        elif self.mode == "keywords":
            self.draft.unmapped.append(
                f"line {number}: '{line}' in the keyword block is neither a "
                "Primary: nor a Secondary: line"
            )
        elif self.mode == "cta":
            self._add_cta_line(number, line)
        else:
            self._close_heading()
            self.container.append(_paragraph(line))
        self.previous = line

    def finish(self) -> None:
        if self.pending_heading:
            number, line = self.pending_heading
            self.draft.unmapped.append(
                f"line {number}: heading '{line}' has no text under it"
            )

    def _close_heading(self) -> None:
        if self.pending_heading is None:
            return
        _, line = self.pending_heading
        self.pending_heading = None
        self.draft.body.append(
            {"type": "heading", "value": {"text": line, "level": "h2"}}
        )
        self.container = self.draft.body

    def _is_list_item(self, line: str) -> bool:
        match = LIST_ITEM.match(line)
        if not match or self.mode != "body":
            return False
        if len(match.group(1).split()) > MAX_LIST_LABEL_WORDS:
            return False
        in_list = bool(self.container) and self.container[-1]["type"] == "list"
        return in_list or self.previous.endswith(":")

    def _append_list_item(self, item: str) -> None:
        if self.container and self.container[-1]["type"] == "list":
            self.container[-1]["value"]["items"].append(item)
        else:
            self.container.append(
                {"type": "list", "value": {"style": "bulleted", "items": [item]}}
            )

    def _add_keywords(self, kind: str, text: str) -> None:
        phrases = _split_phrases(text)
        if kind == "primary" and phrases and not self.draft.primary_keyword:
            self.draft.primary_keyword = phrases.pop(0)
        known = {k.lower() for k in [self.draft.primary_keyword]} | {
            k.lower() for k in self.draft.secondary_keywords
        }
        for phrase in phrases:
            if phrase.lower() not in known:
                self.draft.secondary_keywords.append(phrase)
                known.add(phrase.lower())

    def _add_cta_line(self, number: int, line: str) -> None:
        if self.cta is None:
            self.cta = {
                "type": "call_to_action",
                "value": {"heading": line, "text": "", "button_label": "Contact us"},
            }
            self.draft.body.append(self.cta)
        elif _is_heading(line):
            self.draft.unmapped.append(
                f"line {number}: '{line}' after the call to action was not imported"
            )
        else:
            self.cta["value"]["text"] += f"<p>{escape(line)}</p>"


def parse_draft(text: str) -> ParsedDraft:
    lines = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not lines:
        raise DraftError("The draft is empty, so it has no title.")
    title_number, title = lines[0]
    if NUMBERED.match(title) or len(title) > MAX_TITLE or title.endswith((".", ",")):
        raise DraftError(
            f"The draft has no title: line {title_number} must be a title of at "
            f"most {MAX_TITLE} characters, not a sentence or a numbered section."
        )
    draft = ParsedDraft(title=title)
    rest = lines[1:]
    if rest and len(rest[0][1]) <= MAX_SUBTITLE and not NUMBERED.match(rest[0][1]):
        next_is_text = len(rest) > 1 and not _is_heading(rest[1][1])
        if next_is_text or not _is_heading(rest[0][1]):
            draft.subtitle = rest.pop(0)[1]
    if rest and not _is_heading(rest[0][1]) and not NUMBERED.match(rest[0][1]):
        draft.introduction = rest.pop(0)[1]
    builder = _Builder(draft)
    for number, line in rest:
        builder.add_line(number, line)
    builder.finish()
    return draft


def _mineral_pattern(term: str) -> re.Pattern:
    stem = re.escape(term.removesuffix("s")).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<!\w){stem}s?(?!\w)", re.IGNORECASE)


def minerals_in(text: str, minerals) -> list[Mineral]:
    return [
        mineral
        for mineral in minerals
        if any(_mineral_pattern(term).search(text) for term in mineral.match_terms())
    ]


def unique_slug(index: ArticleIndexPage, title: str) -> str:
    base = slugify(title)[:80].strip("-") or f"article-{uuid.uuid4().hex[:8]}"
    taken = set(
        index.get_children()
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    slug, suffix = base, 2
    while slug in taken:
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


@transaction.atomic
def article_import(
    *,
    draft: ParsedDraft,
    index: ArticleIndexPage,
    publish: bool = False,
    author: Author | None = None,
    slug: str = "",
) -> ArticlePage:
    """Create the article and its first revision, or nothing at all."""
    page = ArticlePage(
        title=draft.title,
        slug=slug or unique_slug(index, draft.title),
        subtitle=draft.subtitle,
        introduction=draft.introduction,
        body=draft.body,
        primary_keyword=draft.primary_keyword,
        author=author,
        live=False,
    )
    page.minerals.set(minerals_in(draft.plain_text(), Mineral.objects.all()))
    for position, keyword in enumerate(draft.secondary_keywords):
        page.secondary_keywords.add(
            page.secondary_keywords.model(keyword=keyword, sort_order=position)
        )
    index.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
        page.refresh_from_db()
    return page
