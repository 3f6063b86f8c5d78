from django.apps import AppConfig


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from leads import checks  # noqa: F401

        post_migrate.connect(ensure_sales_group, sender=self)


def ensure_sales_group(sender, **kwargs) -> None:
    """Also after a flush (which empties auth tables but runs no migration)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    from leads.roles import sales_group_ensure

    apps = kwargs.get("apps") or global_apps
    # This receiver may run before auth's own: make the permissions first.
    for label in ("leads", "articles"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    sales_group_ensure(apps)
