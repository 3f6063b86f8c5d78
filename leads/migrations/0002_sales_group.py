from django.contrib.auth.management import create_permissions
from django.db import migrations

from leads.roles import sales_group_ensure


def create_sales_group(apps, schema_editor):
    # Permissions are normally made after migrate; the group needs them now.
    for label in ("leads", "articles"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sales_group_ensure(apps)


def remove_sales_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Sales").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_sales_group, remove_sales_group)]
