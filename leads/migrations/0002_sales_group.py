from django.contrib.auth.management import create_permissions
from django.db import migrations

SALES_PERMISSIONS = [
    ("leads", "lead", "view_lead"),
    ("leads", "lead", "change_lead"),
    ("leads", "lead", "export_lead"),
    ("leads", "leadnote", "view_leadnote"),
    ("leads", "leadnote", "add_leadnote"),
    ("leads", "leadstatuschange", "view_leadstatuschange"),
    ("articles", "mineral", "view_mineral"),
]


def create_sales_group(apps, schema_editor):
    # Permissions are normally made after migrate; the group needs them now.
    for label in ("leads", "articles"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Sales")
    for app_label, model, codename in SALES_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(
                content_type__app_label=app_label,
                content_type__model=model,
                codename=codename,
            )
        )


def remove_sales_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Sales").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_sales_group, remove_sales_group)]
