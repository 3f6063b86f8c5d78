"""Rich text as text items: parsed once, for the analysis, search and importer."""

from articles.text import (
    HEADING,
    LINK,
    LIST_ITEM,
    PARAGRAPH,
    TextItem,
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
