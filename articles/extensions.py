"""Extension points other apps plug into with Wagtail hooks.

The site's pages know nothing of the apps that extend them, the way any site
can take `wagtail.contrib.forms`: an app registers functions for these hook
names in its `wagtail_hooks.py`.

- `CALL_TO_ACTION_FORM`: `fn(context, submit_label: str) -> str`, the HTML of
  the form that ends an article and fills a call-to-action block.
- `ARTICLE_EDITOR_PANELS`: `fn() -> list[Panel]`, panels added to the end of
  the article editor's Content tab.
- `DEMO_CONTENT`: `fn(home: HomePage) -> None`, builds an app's demo pages
  under the home page; `load_demo_content` calls it, so it must be idempotent.
- `REVIEW_REASONS`: `fn() -> Iterable[(page, reason)]` or `(page, reason, due)`,
  more articles to review and why (a market figure older than
  ARTICLE_REVIEW_DAYS): `articles.review.articles_due_for_review` adds them
  to "Due for review" and the digest, due on `due` (a date; default today).
"""

from django.utils.safestring import SafeString, mark_safe
from wagtail import hooks
from wagtail.admin.panels import ObjectList

CALL_TO_ACTION_FORM = "articles_call_to_action_form"
ARTICLE_EDITOR_PANELS = "articles_editor_panels"
DEMO_CONTENT = "articles_demo_content"
REVIEW_REASONS = "articles_review_reasons"


def call_to_action_form(context, submit_label: str) -> SafeString:
    """Every registered form, or nothing when no app offers one."""
    forms = [fn(context, submit_label) for fn in hooks.get_hooks(CALL_TO_ACTION_FORM)]
    return mark_safe("".join(forms))  # noqa: S308 - the hooks render templates


def demo_content_build(home) -> None:
    for fn in hooks.get_hooks(DEMO_CONTENT):
        fn(home)


def demo_child_ensure(parent, page_class, *, slug: str, **fields):
    """The published child page with this slug, created only if missing."""
    existing = page_class.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = page_class(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


class ContributedObjectList(ObjectList):
    """A tab of panels that ends with those other apps contribute through a hook."""

    def __init__(self, children=(), *args, hook_name: str, **kwargs):
        super().__init__(children, *args, **kwargs)
        self.hook_name = hook_name

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "hook_name": self.hook_name}

    def on_model_bound(self):
        contributed = [
            panel for fn in hooks.get_hooks(self.hook_name) for panel in fn()
        ]
        self.children = [*self.children, *contributed]
        super().on_model_bound()
