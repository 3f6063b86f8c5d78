from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from articles.models import Author, Mineral, SiteSettings
from leads.pages import page_cache_invalidate


@receiver(page_published)
@receiver(page_unpublished)
def invalidate_on_publish(sender, **kwargs) -> None:
    page_cache_invalidate()


@receiver(post_save, sender=SiteSettings)
def invalidate_on_settings_change(sender, created: bool, **kwargs) -> None:
    # Rendering a page creates the settings row with its defaults: no change.
    if not created:
        page_cache_invalidate()


@receiver(post_save, sender=Mineral)
@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Mineral)
@receiver(post_delete, sender=Author)
def invalidate_on_snippet_change(sender, **kwargs) -> None:
    page_cache_invalidate()
