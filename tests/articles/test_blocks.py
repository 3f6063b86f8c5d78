"""Every body block states its own text items; a block that does not fails here.

The analysis, the meta-description fallback and the importer read the body only
through these items, so a block type without them would drop its words unseen.
"""

import pytest
from wagtail import blocks

from articles.blocks import (
    ArticleBodyBlock,
    HeadingBlock,
    ListItemsBlock,
    ParagraphBlock,
    SectionContentBlock,
)
from articles.text import (
    DETAIL,
    HEADING,
    IMAGE_ALT,
    LABEL,
    LINK,
    LIST_ITEM,
    PARAGRAPH,
    QUOTE,
    TextItem,
    first_paragraph_text,
    stream_text_items,
)

# One stored value per block type, as the database holds it, and the items it
# must state. A new block type needs an entry here.
SAMPLES = {
    "paragraph": (
        '<p>Reko Diq holds <a href="https://example.com/">copper</a>.</p>'
        "<ul><li>Gold too.</li></ul>",
        [
            TextItem(PARAGRAPH, "Reko Diq holds copper."),
            TextItem(LIST_ITEM, "Gold too."),
            TextItem(LINK, "copper", href="https://example.com/"),
        ],
    ),
    "heading": (
        {"text": "Permits and tax", "level": "h3"},
        [TextItem(HEADING, "Permits and tax", level=3)],
    ),
    "list": (
        {"style": "bulleted", "items": ["<b>Power:</b> scarce", "<p>Water</p>"]},
        [TextItem(LIST_ITEM, "Power: scarce"), TextItem(LIST_ITEM, "Water")],
    ),
    "image": (
        {"image": None, "alt_text": "An open-pit mine", "caption": "Chagai, 2025"},
        [TextItem(IMAGE_ALT, "An open-pit mine"), TextItem(DETAIL, "Chagai, 2025")],
    ),
    "quote": (
        {"text": "Copper is the new oil.", "attribution": "A trader"},
        [TextItem(QUOTE, "Copper is the new oil."), TextItem(LABEL, "A trader")],
    ),
    "key_facts": (
        {"title": "At a glance", "facts": [{"label": "Reserves", "value": "5.9 Gt"}]},
        [TextItem(DETAIL, "At a glance"), TextItem(DETAIL, "Reserves: 5.9 Gt")],
    ),
    "table": (
        {
            "caption": "Output",
            "table": {
                "columns": [
                    {"type": "text", "heading": "Mine"},
                    {"type": "number", "heading": "Tonnes"},
                    {"type": "rich_text", "heading": "Note"},
                ],
                "rows": [{"values": ["Saindak", "16000", "<p>Mostly copper</p>"]}],
            },
        },
        [
            TextItem(DETAIL, "Output"),
            TextItem(DETAIL, "Mine"),
            TextItem(DETAIL, "Tonnes"),
            TextItem(DETAIL, "Note"),
            TextItem(DETAIL, "Saindak"),
            TextItem(DETAIL, "16000"),
            TextItem(DETAIL, "Mostly copper"),
        ],
    ),
    "numbered_section": (
        {
            "number": 1,
            "heading": "Where the copper is",
            "content": [{"type": "paragraph", "value": "<p>In Chagai.</p>"}],
        },
        [
            TextItem(HEADING, "Where the copper is", level=3),
            TextItem(PARAGRAPH, "In Chagai."),
        ],
    ),
    "call_to_action": (
        {
            "heading": "Talk to us",
            "text": "<p>Our advisors know Chagai.</p>",
            "button_label": "Contact us",
        },
        [
            TextItem(DETAIL, "Talk to us"),
            TextItem(PARAGRAPH, "Our advisors know Chagai."),
            TextItem(LABEL, "Contact us"),
        ],
    ),
}
STREAM_BLOCKS = [ArticleBodyBlock(), SectionContentBlock()]
CHILDREN = [
    pytest.param(stream, name, id=f"{type(stream).__name__}.{name}")
    for stream in STREAM_BLOCKS
    for name in stream.child_blocks
]


@pytest.mark.parametrize("stream", STREAM_BLOCKS, ids=lambda b: type(b).__name__)
def test_every_block_type_has_a_sample(stream):
    missing = set(stream.child_blocks) - set(SAMPLES)
    assert not missing, f"Give {sorted(missing)} text_items() and a sample here."


@pytest.mark.parametrize(("stream", "name"), CHILDREN)
def test_every_block_type_states_its_text_items(stream, name):
    block = stream.child_blocks[name]
    raw, expected = SAMPLES[name]
    assert list(block.text_items(block.to_python(raw))) == expected


def test_an_image_without_alt_text_is_still_an_image():
    block = ArticleBodyBlock().child_blocks["image"]
    value = block.to_python({"image": None, "alt_text": "", "caption": ""})
    assert block.text_items(value) == [TextItem(IMAGE_ALT, "")]


def test_the_walker_reads_a_stream_in_order_through_sections():
    stream = ArticleBodyBlock().to_python(
        [
            {"type": name, "value": SAMPLES[name][0]}
            for name in ("heading", "numbered_section", "quote")
        ]
    )
    assert list(stream_text_items(stream)) == [
        *SAMPLES["heading"][1],
        *SAMPLES["numbered_section"][1],
        *SAMPLES["quote"][1],
    ]


def test_search_indexes_the_walkers_text_without_repeating_link_text():
    names = ["paragraph", "heading", "numbered_section", "call_to_action"]
    stream = ArticleBodyBlock().to_python(
        [{"type": name, "value": SAMPLES[name][0]} for name in names]
    )
    assert ArticleBodyBlock().get_searchable_content(stream) == [
        "Reko Diq holds copper.",
        "Gold too.",
        "Permits and tax",
        "Where the copper is",
        "In Chagai.",
        "Talk to us",
        "Our advisors know Chagai.",
        "Contact us",
    ]


def test_first_paragraph_text_looks_into_sections_and_past_other_blocks():
    stream = ArticleBodyBlock().to_python(
        [
            {"type": name, "value": SAMPLES[name][0]}
            for name in ("quote", "key_facts", "numbered_section")
        ]
    )
    assert first_paragraph_text(stream) == "In Chagai."
    assert first_paragraph_text(ArticleBodyBlock().to_python([])) == ""


def test_first_paragraph_text_is_the_whole_opening_rich_text_up_to_a_break():
    stream = ArticleBodyBlock().to_python(
        [
            {"type": "paragraph", "value": "<p>Short lead.</p><p>More.</p>"},
            {"type": "paragraph", "value": "<ul><li>A point.</li></ul>"},
            {"type": "heading", "value": {"text": "Next", "level": "h2"}},
            {"type": "paragraph", "value": "<p>Later.</p>"},
        ]
    )
    assert first_paragraph_text(stream) == "Short lead. More. A point."


def test_a_block_that_states_no_text_items_fails_the_walk():
    class CarelessBlock(blocks.StreamBlock):
        note = blocks.CharBlock()

    stream = CarelessBlock().to_python([{"type": "note", "value": "Lost words"}])
    with pytest.raises(AttributeError, match="text_items"):
        list(stream_text_items(stream))


def test_paragraph_block_migrates_as_a_plain_rich_text_block():
    path, _, kwargs = ParagraphBlock(features=["bold"]).deconstruct()
    assert path == "wagtail.blocks.RichTextBlock"
    assert kwargs == {"features": ["bold"]}


@pytest.mark.parametrize("block_class", [HeadingBlock, ListItemsBlock])
def test_text_choices_read_back_as_wagtails_choice_block_reads_them(block_class):
    ours = block_class.base_blocks["level" if block_class is HeadingBlock else "style"]
    wagtails = blocks.ChoiceBlock(choices=ours.field.choices)
    for value in [key for key, _ in ours.field.choices] + ["retired", None]:
        assert ours.to_python(value) == wagtails.to_python(value)
        assert type(ours.to_python(value)) is type(wagtails.to_python(value))
