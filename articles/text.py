"""Plain text and text items, shared by the SEO head, the feed, the importer,
search and the SEO analysis.

A text item is one piece of readable text with its kind, in reading order. Each
block in `articles.blocks` states its own items (`text_items(value)`), the way
Wagtail blocks state their searchable content; `stream_text_items` walks a
StreamField value by asking each block.
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape

from django.utils.html import strip_tags

HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"
QUOTE = "quote"
# Words outside the running prose: captions, table cells, key facts, CTA headings.
DETAIL = "detail"
IMAGE_ALT = "image_alt"
# Words on the page the analysis leaves out but search finds: attributions, labels.
LABEL = "label"
# A link's text also belongs to the item around it; the link item adds its href.
LINK = "link"

TEXT_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")


@dataclass(frozen=True)
class TextItem:
    kind: str
    text: str
    level: int | None = None
    href: str | None = None


def plain_text(value: str) -> str:
    """Collapse markup and whitespace into one line of readable text."""
    text = str(value)
    # strip_tags() leaves text without a "<" as it is; str.split() splits at
    # the whitespace the regex \s matches.
    return " ".join((strip_tags(text) if "<" in text else text).split())


def truncate_words(text: str, limit: int) -> str:
    """Cut at a word boundary so the result, ellipsis included, fits `limit`."""
    text = plain_text(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def text_items(kind: str, *texts: str, level: int | None = None) -> list[TextItem]:
    """One item of `kind` per text that has words once markup is gone."""
    return [
        TextItem(kind, text, level=level)
        for text in (plain_text(value or "") for value in texts)
        if text
    ]


def rich_text_items(source: str, kind: str = PARAGRAPH) -> list[TextItem]:
    """Items of stored rich text: its headings, list items and other text blocks
    (as `kind`), then text outside any block, then its links."""
    parser = _RichTextParser(source or "")
    items = []
    for tag, text in parser.blocks:
        if tag[0] == "h":
            items += text_items(HEADING, text, level=int(tag[1]))
        else:
            items += text_items(LIST_ITEM if tag == "li" else kind, text)
    items += text_items(kind, "".join(parser.loose))
    items += [
        TextItem(LINK, plain_text(text), href=href)
        for href, text in parser.links
        if href
    ]
    return items


def stream_text_items(stream: Iterable) -> Iterator[TextItem]:
    """Every text item of a StreamField value, in reading order."""
    for child in stream:
        yield from child.block.text_items(child.value)


def searchable_text(stream: Iterable) -> list[str]:
    """What search indexes of a StreamField value: every item but links, whose
    text is already in the item around them."""
    return [item.text for item in stream_text_items(stream) if item.kind != LINK]


def first_paragraph_text(stream) -> str:
    """The opening text of a StreamField, looking into sections: its first
    paragraph and the paragraphs and list items that follow it unbroken, as one
    rich text block holds them."""
    opening: list[str] = []
    for item in stream_text_items(stream):
        if item.kind == PARAGRAPH or (opening and item.kind == LIST_ITEM):
            opening.append(item.text)
        elif opening:
            break
    return " ".join(opening)


def rich_text_links(source: str) -> list[str]:
    """The addresses of stored rich text's links, as `rich_text_items` gives them."""
    parser = _RichTextParser(source or "")
    return [href for href, _ in parser.links if href]


# The markup Wagtail stores for rich text, read in one regex pass: start and
# end tags (attributes quoted or bare), comments, declarations and `</>`
# (skipped), and text between them. html.parser gives the same events for it (a test
# holds the two together) at several times the cost, which the SEO audit paid
# for every paragraph of every article.
_MARKUP = re.compile(
    r"<(?P<end>/?)(?P<tag>[a-zA-Z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|<!--.*?-->|<[!?][^>]*>|</>",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(
    r"((?<=[\"'\s/])[^\s/>][^\s/=>]*)(?:\s*=+\s*(\"[^\"]*\"|'[^']*'|(?![\"'])[^>\s]*))?"
)


def markup_events(source: str) -> Iterator[tuple]:
    """("start", tag, attrs), ("end", tag) and ("data", text) for `source`, as
    html.parser.HTMLParser(convert_charrefs=True) reports rich text: a
    self-closing tag starts and ends, names are lowercase, attribute values
    and text have their character references replaced."""
    position = 0
    for match in _MARKUP.finditer(source):
        if match.start() > position:
            yield ("data", unescape(source[position : match.start()]))
        position = match.end()
        tag = match["tag"]
        if tag is None:
            continue
        tag = tag.lower()
        if match["end"]:
            yield ("end", tag)
            continue
        attrs = match["attrs"]
        yield ("start", tag, _attributes(" " + attrs) if attrs else [])
        if attrs.endswith("/"):
            yield ("end", tag)
    if position < len(source):
        yield ("data", unescape(source[position:]))


def _attributes(text: str) -> list[tuple[str, str | None]]:
    attrs = []
    for match in _ATTRIBUTE.finditer(text):
        name, value = match.groups()
        if value is not None:
            if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
                value = value[1:-1]
            value = unescape(value)
        attrs.append((name.lower(), value))
    return attrs


class _RichTextParser:
    """Outermost text blocks, loose text and links of one rich text value."""

    def __init__(self, source: str):
        self.blocks: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.loose: list[str] = []
        self._open: str | None = None
        self._depth = 0
        self._text: list[str] = []
        self._link: list[str] | None = None
        for event in markup_events(source):
            if event[0] == "data":
                self.handle_data(event[1])
            elif event[0] == "start":
                self.handle_starttag(event[1], event[2])
            else:
                self.handle_endtag(event[1])
        self._end()

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._link = []
            self.links.append((_href(dict(attrs)), ""))
        elif tag == "br":
            self.handle_data(" ")
        elif tag in TEXT_TAGS:
            if self._open is None:
                self._open, self._text = tag, []
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            href, _ = self.links[-1]
            self.links[-1] = (href, "".join(self._link))
            self._link = None
        elif tag in TEXT_TAGS and self._open is not None:
            self._depth -= 1
            if self._depth == 0:
                self._close_block()

    def handle_data(self, data):
        (self._text if self._open is not None else self.loose).append(data)
        if self._link is not None:
            self._link.append(data)

    def _end(self):
        """What is still open at the end of the value closes there."""
        if self._open is not None:
            self._close_block()
        self.handle_endtag("a")

    def _close_block(self):
        self.blocks.append((self._open, "".join(self._text)))
        self._open = None


def _href(attrs: dict[str, str | None]) -> str:
    """The link's address; Wagtail stores links to its pages and documents by id."""
    linktype = attrs.get("linktype")
    if linktype in {"page", "document"}:
        return f"{linktype}:{attrs.get('id') or ''}"
    return (attrs.get("href") or "").strip()
