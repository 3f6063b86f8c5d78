"""Plain-text helpers shared by the SEO head, the feed and the importer."""

import re

from django.utils.html import strip_tags

_SPACE = re.compile(r"\s+")


def plain_text(value: str) -> str:
    """Collapse markup and whitespace into one line of readable text."""
    return _SPACE.sub(" ", strip_tags(str(value))).strip()


def truncate_words(text: str, limit: int) -> str:
    """Cut at a word boundary so the result, ellipsis included, fits `limit`."""
    text = plain_text(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


def first_paragraph_text(stream) -> str:
    """The text of the first paragraph in a StreamField, looking into sections."""
    for block in stream:
        if block.block_type == "paragraph":
            return plain_text(block.value.source)
        if block.block_type == "numbered_section":
            found = first_paragraph_text(block.value["content"])
            if found:
                return found
    return ""
