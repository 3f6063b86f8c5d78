from django.apps import AppConfig


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from leads import signals  # noqa: F401

        post_migrate.connect(ensure_sales_group, sender=self)


def ensure_sales_group(sender, **kwargs) -> None:
    """Also after a flush (which empties auth tables but runs no migration)."""
    from django.apps import apps as global_apps

    from leads.roles import sales_group_ensure

    sales_group_ensure(kwargs.get("apps") or global_apps)
