"""Rich text as text items: parsed once, for the analysis, search and importer."""

import random
from html.parser import HTMLParser
from pathlib import Path

from articles.importer import parse_draft
from articles.text import (
    HEADING,
    LINK,
    LIST_ITEM,
    PARAGRAPH,
    TextItem,
    markup_events,
    rich_text_items,
    text_items,
    truncate_words,
)


def test_rich_text_blocks_become_paragraphs_list_items_and_headings():
    source = (
        "<h2>Output</h2><p>Copper &amp; gold<br>rise.</p>"
        "<ul><li>Chagai</li><li><p>Saindak</p></li></ul><h4>Aside</h4>"
    )
    assert rich_text_items(source) == [
        TextItem(HEADING, "Output", level=2),
        TextItem(PARAGRAPH, "Copper & gold rise."),
        TextItem(LIST_ITEM, "Chagai"),
        TextItem(LIST_ITEM, "Saindak"),
        TextItem(HEADING, "Aside", level=4),
    ]


def test_text_outside_any_block_comes_after_the_blocks_in_the_given_kind():
    assert rich_text_items("<b>Power:</b> scarce", LIST_ITEM) == [
        TextItem(LIST_ITEM, "Power: scarce")
    ]
    assert rich_text_items("") == []


def test_links_keep_their_text_and_address_pages_and_documents_by_id():
    source = (
        '<p>See <a linktype="page" id="3">the guide</a>, '
        '<a linktype="document" id="9">the report</a>, '
        '<a href=" https://example.com/x ">a source</a> and <a>nothing</a>.</p>'
    )
    links = [item for item in rich_text_items(source) if item.kind == LINK]
    assert links == [
        TextItem(LINK, "the guide", href="page:3"),
        TextItem(LINK, "the report", href="document:9"),
        TextItem(LINK, "a source", href="https://example.com/x"),
    ]


def test_an_unclosed_block_or_link_still_counts():
    assert rich_text_items('<p>Open <a href="/x">end') == [
        TextItem(PARAGRAPH, "Open end"),
        TextItem(LINK, "end", href="/x"),
    ]


def test_text_items_drop_empty_text_and_markup():
    assert text_items(PARAGRAPH, " <b>Bold</b>  move ", "", None, "<br>") == [
        TextItem(PARAGRAPH, "Bold move")
    ]


def test_truncate_words_cuts_at_a_word_and_fits_the_limit():
    assert truncate_words("Copper in Balochistan", 100) == "Copper in Balochistan"
    cut = truncate_words("Copper in Balochistan draws investors", 20)
    assert cut == "Copper in…"
    assert len(cut) <= 20


class _EventRecorder(HTMLParser):
    """What Python's own HTML parser reports, as markup_events names it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, attrs))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        self.events.append(("data", data))


def _joined(events) -> list[tuple]:
    """Adjacent text as one event: where a parser splits text is its own affair."""
    joined = []
    for event in events:
        if event[0] == "data" and joined and joined[-1][0] == "data":
            joined[-1] = ("data", joined[-1][1] + event[1])
        elif event != ("data", ""):
            joined.append(tuple(event))
    return joined


def _html_parser_events(source: str) -> list[tuple]:
    recorder = _EventRecorder()
    recorder.feed(source)
    recorder.close()
    return _joined(recorder.events)


# Pieces of what Draftail stores, and of what a hand-edited or imported value
# may hold: attributes quoted, bare or empty, references, stray brackets.
PIECES = [
    "<p>",
    "</p>",
    "<h2>",
    "</h2>",
    '<h3 data-block-key="abc">',
    "</h3>",
    "<ul>",
    "</ul>",
    "<ol>",
    "</ol>",
    "<li>",
    "</li>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<blockquote>",
    "</blockquote>",
    "<br/>",
    "<br>",
    "<br />",
    "<p/>",
    "</P >",
    "<P>",
    '<a href="https://x.com/?a=1&amp;b=2">',
    '<a linktype="page" id="3">',
    '<a linktype="document" id=9>',
    "<A HREF='Y'>",
    '<a href="">',
    "<a href=bare>",
    "<a href=/path/x>",
    '<a title="x > y" href="/a">',
    '<a\nhref="x">',
    "</a>",
    '<embed embedtype="image" id="1" format="left" alt="A &amp; B"/>',
    '<embed embedtype="figure" id="7"/>',
    "<img src=x alt>",
    '<h2 class="">',
    "<p data-block-key='x1'>",
    '<p class="a b" id=q>',
    "text ",
    "Reko Diq ",
    "copper–gold ",
    "&amp;",
    "&lt;",
    "&gt;",
    "&#x27;",
    "&quot;",
    "&nbsp;",
    "&#169;",
    "&amp ",
    "AT&T ",
    " ",
    "\n",
    "1 < 2 ",
    "a > b ",
    "a<b",
    "<>",
    "</>",
    "< p>",
    "<!-- note -->",
    "<code>",
    "</code>",
]


def _strings(value) -> list[str]:
    """Every string in a block's JSON value, however deep."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def test_markup_is_read_as_pythons_html_parser_reads_it():
    seeds = Path(__file__).resolve().parents[3] / "shared/seeds"
    sources = [
        text
        for path in sorted(seeds.glob("*.txt"))
        for text in _strings(parse_draft(path.read_text()).body)
        if "<" in text
    ]
    assert sources, "the seed article's rich text"
    rng = random.Random(9)  # noqa: S311 - test data, not a secret
    sources += [
        "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        for _ in range(3000)
    ]
    for source in sources:
        assert _joined(markup_events(source)) == _html_parser_events(source), source
