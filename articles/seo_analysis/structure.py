"""The readable structure of an article, taken from its fields and StreamField."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from wagtail.rich_text import RichText

from articles.text import plain_text

TEXT_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote")


@dataclass
class Link:
    href: str
    internal: bool


@dataclass
class Structure:
    """Text in reading order; "heading" items split the text into sections."""

    items: list[tuple[str, str]] = field(default_factory=list)
    image_alts: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    extra_h1s: int = 0

    @property
    def paragraphs(self) -> list[str]:
        return [text for kind, text in self.items if kind == "paragraph"]

    @property
    def subheadings(self) -> list[str]:
        return [text for kind, text in self.items if kind == "heading"]

    @property
    def others(self) -> list[str]:
        return [text for kind, text in self.items if kind == "other"]

    @property
    def first_paragraph(self) -> str:
        return next(iter(self.paragraphs), "")

    def text(self) -> str:
        return " ".join(text for kind, text in self.items if kind != "heading")

    def add(self, kind: str, text: str) -> None:
        text = plain_text(text)
        if text:
            self.items.append((kind, text))


def article_structure(page, own_hosts: frozenset[str] = frozenset()) -> Structure:
    structure = Structure()
    structure.add("paragraph", page.introduction)
    hero = getattr(page, "hero_image", None)
    if hero is not None:
        structure.image_alts.append(hero.default_alt_text or "")
    _add_stream(structure, page.body, own_hosts)
    return structure


def _add_stream(structure: Structure, stream, own_hosts: frozenset[str]) -> None:
    for block in stream:
        kind, value = block.block_type, block.value
        if kind == "paragraph":
            _add_rich_text(structure, value, own_hosts)
        elif kind == "heading":
            structure.add("heading", value["text"])
        elif kind == "numbered_section":
            structure.add("heading", value["heading"])
            _add_stream(structure, value["content"], own_hosts)
        elif kind == "list":
            for item in value["items"]:
                _add_rich_text(structure, item, own_hosts, default_kind="paragraph")
        elif kind == "image":
            structure.image_alts.append(value["alt_text"] or "")
            structure.add("other", value["caption"] or "")
        elif kind == "quote":
            structure.add("paragraph", value["text"])
        elif kind == "key_facts":
            structure.add("other", value["title"])
            for fact in value["facts"]:
                structure.add("other", f"{fact['label']}: {fact['value']}")
        elif kind == "table":
            _add_table(structure, value, own_hosts)
        elif kind == "call_to_action":
            structure.add("other", value["heading"])
            if value["text"]:
                _add_rich_text(structure, value["text"], own_hosts)


def _add_table(structure: Structure, value, own_hosts: frozenset[str]) -> None:
    structure.add("other", value["caption"] or "")
    table = value["table"]
    for column in table.columns:
        structure.add("other", column["heading"])
    for row in table.rows:
        for cell in row:
            if isinstance(cell.value, RichText):
                _add_rich_text(structure, cell.value, own_hosts, default_kind="other")
            else:
                structure.add(
                    "other", str(cell.value if cell.value is not None else "")
                )


def _add_rich_text(
    structure: Structure,
    value,
    own_hosts: frozenset[str],
    default_kind: str = "paragraph",
) -> None:
    source = value.source if isinstance(value, RichText) else str(value or "")
    parser = _RichTextParser()
    parser.feed(source)
    parser.close()
    for attrs in parser.anchors:
        link = _link(attrs, own_hosts)
        if link is not None:
            structure.links.append(link)
    for tag, text in parser.blocks:
        if tag == "h1":
            structure.extra_h1s += 1
        kind = "heading" if tag in {"h2", "h3"} else default_kind
        structure.add(kind, text)
    structure.add(default_kind, "".join(parser.loose))


class _RichTextParser(HTMLParser):
    """Outermost text blocks, loose text and links of one rich text value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.anchors: list[dict[str, str]] = []
        self.loose: list[str] = []
        self._open: str | None = None
        self._depth = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append({name: value or "" for name, value in attrs})
        elif tag == "br":
            self.handle_data(" ")
        elif tag in TEXT_TAGS:
            if self._open is None:
                self._open, self._text = tag, []
            self._depth += 1

    def handle_endtag(self, tag):
        if tag in TEXT_TAGS and self._open is not None:
            self._depth -= 1
            if self._depth == 0:
                self.blocks.append((self._open, "".join(self._text)))
                self._open = None

    def handle_data(self, data):
        (self._text if self._open is not None else self.loose).append(data)

    def close(self):
        super().close()
        if self._open is not None:
            self.blocks.append((self._open, "".join(self._text)))
            self._open = None


def _link(anchor: dict[str, str], own_hosts: frozenset[str]) -> Link | None:
    linktype = anchor.get("linktype")
    if linktype in {"page", "document"}:
        return Link(href=f"{linktype}:{anchor.get('id', '')}", internal=True)
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("mailto:", "tel:", "#")):
        return None
    parts = urlsplit(href)
    if parts.scheme in {"http", "https"}:
        return Link(href=href, internal=parts.hostname in own_hosts)
    return Link(href=href, internal=not parts.scheme)
