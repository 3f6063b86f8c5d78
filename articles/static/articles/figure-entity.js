// The "Market figure" entity of the rich text editor: the toolbar button opens
// the figure chooser, and the chosen figure is inserted as one immutable piece
// of text. Only the reference is stored (articles/figure_editor.py).
(() => {
  const { createElement } = window.React;
  const { EditorState, Modifier } = window.DraftJS;
  const { ModalWorkflowSource, registerPlugin } = window.draftail;

  class FigureSource extends ModalWorkflowSource {
    getChooserConfig() {
      return {
        url: this.props.entityType.chooserUrls.figureChooser,
        urlParams: {},
        onload: window.CHOOSER_MODAL_ONLOAD_HANDLERS,
        responses: { chosen: this.onChosen },
      };
    }

    filterEntityData(data) {
      return { id: data.id, label: data.label, title: data.string };
    }

    onChosen(data) {
      const { editorState, entityType, onComplete } = this.props;
      const entityData = this.filterEntityData(data);
      const content = editorState
        .getCurrentContent()
        .createEntity(entityType.type, "IMMUTABLE", entityData);
      const entityKey = content.getLastCreatedEntityKey();
      const withFigure = Modifier.replaceText(
        content,
        editorState.getSelection(),
        entityData.label,
        null,
        entityKey,
      );
      this.workflow.close();
      onComplete(EditorState.push(editorState, withFigure, "insert-characters"));
    }
  }

  const Figure = ({ entityKey, contentState, children }) => {
    const { id, title } = contentState.getEntity(entityKey).getData();
    return createElement(
      "span",
      { className: "figure-entity", title, "data-figure-id": id },
      children,
    );
  };

  registerPlugin(
    { type: "FIGURE", source: FigureSource, decorator: Figure },
    "entityTypes",
  );
})();
