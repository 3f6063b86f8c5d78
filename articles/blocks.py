"""The article body's blocks; each states its own text items (`articles.text`)."""

from collections.abc import Iterator, Sequence

from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.rich_text import RichText

from articles.figures import figures_as_text
from articles.text import (
    DETAIL,
    HEADING,
    IMAGE_ALT,
    LABEL,
    LIST_ITEM,
    QUOTE,
    TextItem,
    rich_text_items,
    searchable_text,
    stream_text_items,
    text_items,
)

# "figure": a market figure, rendered when the page is (articles.figures).
INLINE_FEATURES = ["bold", "italic", "link", "figure"]
PARAGRAPH_FEATURES = ["bold", "italic", "link", "ol", "ul", "figure"]


def _source(value) -> str:
    """Stored rich text, each cited figure read as its words, as readers see it."""
    return figures_as_text(
        value.source if isinstance(value, RichText) else str(value or "")
    )


def stored_rich_texts(block: blocks.Block, value) -> Iterator[str]:
    """Every rich text source in `value`, a value of `block` as stored (JSON),
    without making Python values of the blocks around them."""
    if not value:
        return
    if isinstance(block, blocks.RichTextBlock):
        yield value
    elif isinstance(block, blocks.BaseStreamBlock):
        for child in value:
            if child_block := block.child_blocks.get(child["type"]):
                yield from stored_rich_texts(child_block, child["value"])
    elif isinstance(block, blocks.BaseStructBlock):
        for name, child_block in block.child_blocks.items():
            yield from stored_rich_texts(child_block, value.get(name))
    elif isinstance(block, blocks.ListBlock):
        for item in value:
            if block._item_is_in_block_format(item):
                item = item["value"]
            yield from stored_rich_texts(block.child_block, item)
    elif isinstance(block, TypedTableBlock):
        types = [column["type"] for column in value["columns"]]
        for row in value["rows"]:
            for column_type, cell in zip(types, row["values"], strict=False):
                child_block = block.child_blocks[column_type]
                yield from stored_rich_texts(child_block, cell)


class ParagraphBlock(blocks.RichTextBlock):
    # Stored and migrated as a plain rich text block: only a method is added.
    canonical_module_path = "wagtail.blocks.RichTextBlock"

    def text_items(self, value) -> list[TextItem]:
        return rich_text_items(_source(value))


class TextChoiceBlock(blocks.ChoiceBlock):
    """A choice among strings. Wagtail's to_python looks a stored value up in
    the choices, which it rebuilds on every read, to restore the key's type: a
    string key is the stored string itself, so it is kept as it is."""

    # Stored and migrated as a plain choice block: only a method is added.
    canonical_module_path = "wagtail.blocks.ChoiceBlock"

    def to_python(self, value):
        return value if isinstance(value, str) else super().to_python(value)


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    level = TextChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "articles/blocks/heading.html"

    def text_items(self, value) -> list[TextItem]:
        return text_items(HEADING, value["text"], level=int(value["level"][1:]))


class ListItemsBlock(blocks.StructBlock):
    style = TextChoiceBlock(
        choices=[("bulleted", "Bulleted"), ("numbered", "Numbered")],
        default="bulleted",
    )
    items = blocks.ListBlock(blocks.RichTextBlock(features=INLINE_FEATURES))

    class Meta:
        icon = "list-ul"
        label = "List"
        template = "articles/blocks/list.html"

    def text_items(self, value) -> list[TextItem]:
        return [
            text_item
            for item in value["items"]
            for text_item in rich_text_items(_source(item), LIST_ITEM)
        ]


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe the image for readers who cannot see it.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        label = "Image"
        template = "articles/blocks/image.html"

    def text_items(self, value) -> list[TextItem]:
        # An image without alt text is still an image: its alt item stays, empty.
        alt = TextItem(IMAGE_ALT, value["alt_text"] or "")
        return [alt, *text_items(DETAIL, value["caption"])]


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "articles/blocks/quote.html"

    def text_items(self, value) -> list[TextItem]:
        return [
            *text_items(QUOTE, value["text"]),
            *text_items(LABEL, value["attribution"]),
        ]


class KeyFactBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=120)
    value = blocks.CharBlock(max_length=200)


class KeyFactsBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Key facts", max_length=120)
    facts = blocks.ListBlock(KeyFactBlock())

    class Meta:
        icon = "pick"
        template = "articles/blocks/key_facts.html"

    def text_items(self, value) -> list[TextItem]:
        facts = [f"{fact['label']}: {fact['value']}" for fact in value["facts"]]
        return text_items(DETAIL, value["title"], *facts)


class TableBlock(blocks.StructBlock):
    caption = blocks.CharBlock(required=False, max_length=250)
    table = TypedTableBlock(
        [
            ("text", blocks.CharBlock()),
            ("number", blocks.DecimalBlock()),
            ("rich_text", blocks.RichTextBlock(features=INLINE_FEATURES)),
        ]
    )

    class Meta:
        icon = "table"
        template = "articles/blocks/table.html"

    def text_items(self, value) -> list[TextItem]:
        table = value["table"]
        items = text_items(DETAIL, value["caption"])
        items += text_items(DETAIL, *(column["heading"] for column in table.columns))
        for row in table.rows:
            for cell in row:
                if isinstance(cell.value, RichText):
                    items += rich_text_items(_source(cell.value), DETAIL)
                elif cell.value is not None:
                    items += text_items(DETAIL, str(cell.value))
        return items


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=200)
    text = blocks.RichTextBlock(features=INLINE_FEATURES, required=False)
    button_label = blocks.CharBlock(default="Contact us", max_length=60)

    class Meta:
        icon = "mail"
        label = "Call to action"
        template = "articles/blocks/call_to_action.html"

    def text_items(self, value) -> list[TextItem]:
        return [
            *text_items(DETAIL, value["heading"]),
            *rich_text_items(_source(value["text"])),
            *text_items(LABEL, value["button_label"]),
        ]


class SectionContentBlock(blocks.StreamBlock):
    paragraph = ParagraphBlock(features=PARAGRAPH_FEATURES)
    list = ListItemsBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    key_facts = KeyFactsBlock()
    table = TableBlock()

    def text_items(self, value) -> Iterator[TextItem]:
        return stream_text_items(value)

    def get_searchable_content(self, value) -> Sequence[str]:
        return searchable_text(value)


class NumberedSectionBlock(blocks.StructBlock):
    number = blocks.IntegerBlock(min_value=1)
    heading = blocks.CharBlock(max_length=200)
    content = SectionContentBlock()

    class Meta:
        icon = "order"
        template = "articles/blocks/numbered_section.html"

    def text_items(self, value) -> list[TextItem]:
        # The section template renders its heading as an h3.
        return [
            *text_items(HEADING, value["heading"], level=3),
            *self.child_blocks["content"].text_items(value["content"]),
        ]


class ArticleBodyBlock(SectionContentBlock):
    heading = HeadingBlock()
    numbered_section = NumberedSectionBlock()
    call_to_action = CallToActionBlock()
