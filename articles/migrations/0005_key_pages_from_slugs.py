from django.db import migrations

KEY_PAGE_SLUGS = {"privacy_page": "privacy", "contact_page": "contact"}


def key_pages_from_slugs(apps, schema_editor):
    """Point each site's settings at the pages the templates linked by slug."""
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    SiteSettings = apps.get_model("articles", "SiteSettings")
    for site in Site.objects.select_related("root_page"):
        settings, _ = SiteSettings.objects.get_or_create(site=site)
        root = site.root_page
        children = Page.objects.filter(path__startswith=root.path, depth=root.depth + 1)
        for field, slug in KEY_PAGE_SLUGS.items():
            page = children.filter(slug=slug).first()
            if page is not None and getattr(settings, f"{field}_id") is None:
                setattr(settings, field, page)
        settings.save()


class Migration(migrations.Migration):
    # Apart from 0004: PostgreSQL refuses to add the new foreign keys' indexes
    # in a transaction that has already written rows to the table.
    dependencies = [("articles", "0004_key_pages_in_site_settings")]

    operations = [
        migrations.RunPython(key_pages_from_slugs, migrations.RunPython.noop),
    ]
