from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.images.blocks import ImageChooserBlock

INLINE_FEATURES = ["bold", "italic", "link"]
PARAGRAPH_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", "Heading 2"), ("h3", "Heading 3")], default="h2"
    )

    class Meta:
        icon = "title"
        template = "articles/blocks/heading.html"


class ListItemsBlock(blocks.StructBlock):
    style = blocks.ChoiceBlock(
        choices=[("bulleted", "Bulleted"), ("numbered", "Numbered")],
        default="bulleted",
    )
    items = blocks.ListBlock(blocks.RichTextBlock(features=INLINE_FEATURES))

    class Meta:
        icon = "list-ul"
        label = "List"
        template = "articles/blocks/list.html"


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


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False, max_length=200)

    class Meta:
        icon = "openquote"
        template = "articles/blocks/quote.html"


class KeyFactBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=120)
    value = blocks.CharBlock(max_length=200)


class KeyFactsBlock(blocks.StructBlock):
    title = blocks.CharBlock(default="Key facts", max_length=120)
    facts = blocks.ListBlock(KeyFactBlock())

    class Meta:
        icon = "pick"
        template = "articles/blocks/key_facts.html"


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


class CallToActionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=200)
    text = blocks.RichTextBlock(features=INLINE_FEATURES, required=False)
    button_label = blocks.CharBlock(default="Contact us", max_length=60)

    class Meta:
        icon = "mail"
        label = "Call to action"
        template = "articles/blocks/call_to_action.html"


class SectionContentBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(features=PARAGRAPH_FEATURES)
    list = ListItemsBlock()
    image = CaptionedImageBlock()
    quote = QuoteBlock()
    key_facts = KeyFactsBlock()
    table = TableBlock()


class NumberedSectionBlock(blocks.StructBlock):
    number = blocks.IntegerBlock(min_value=1)
    heading = blocks.CharBlock(max_length=200)
    content = SectionContentBlock()

    class Meta:
        icon = "order"
        template = "articles/blocks/numbered_section.html"


class ArticleBodyBlock(SectionContentBlock):
    heading = HeadingBlock()
    numbered_section = NumberedSectionBlock()
    call_to_action = CallToActionBlock()
