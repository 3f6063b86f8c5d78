"""The figure reference in the Draftail editor (see `articles.figures`)."""

from draftjs_exporter.dom import DOM
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    KEEP_WHITESPACE,
    InlineEntityElementHandler,
)

from articles.figures import EMBED_TYPE, MarketFigure, figure_id_of

FEATURE = "figure"
ENTITY_TYPE = "FIGURE"


def figure_entity(props) -> DOM:
    """The Draftail entity as stored: the reference only, never the words."""
    return DOM.create_element("embed", {"embedtype": EMBED_TYPE, "id": props["id"]})


class FigureElementHandler(InlineEntityElementHandler):
    """Loads a stored reference into the editor with the figure's current words."""

    mutability = "IMMUTABLE"

    def handle_starttag(self, name, attrs, state, contentstate):
        super().handle_starttag(name, attrs, state, contentstate)
        entity = contentstate.entity_map[state.current_entity_ranges[-1].key]
        # The entity's text is only a stand-in in the editor: it is never stored.
        state.current_block.text += entity.data["label"]
        state.leading_whitespace = KEEP_WHITESPACE

    def get_attribute_data(self, attrs):
        figure_id = figure_id_of(attrs)
        figure = (
            MarketFigure.objects.filter(pk=figure_id).first() if figure_id else None
        )
        return {
            "id": attrs.get("id", ""),
            "label": figure.display_value if figure else "[missing figure]",
            "title": str(figure) if figure else "",
        }


CONTENTSTATE_RULE = {
    "from_database_format": {
        f'embed[embedtype="{EMBED_TYPE}"]': FigureElementHandler(ENTITY_TYPE)
    },
    "to_database_format": {"entity_decorators": {ENTITY_TYPE: figure_entity}},
}
