"""The Sales group: view and triage leads and contacts, add notes, export, keep
the free-mail domain list; no page rights."""

SALES_GROUP = "Sales"
SALES_PERMISSIONS = [
    ("leads", "lead", "view_lead"),
    ("leads", "lead", "change_lead"),
    ("leads", "lead", "export_lead"),
    ("leads", "leadnote", "view_leadnote"),
    ("leads", "leadnote", "add_leadnote"),
    ("leads", "leadstatuschange", "view_leadstatuschange"),
    ("articles", "mineral", "view_mineral"),
    ("leads", "contact", "view_contact"),
    ("leads", "contact", "change_contact"),
    ("leads", "freemaildomain", "view_freemaildomain"),
    ("leads", "freemaildomain", "add_freemaildomain"),
    ("leads", "freemaildomain", "change_freemaildomain"),
    ("leads", "freemaildomain", "delete_freemaildomain"),
]


def sales_group_ensure(apps) -> None:
    """Create the group and grant its permissions; `apps` may be historical."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=SALES_GROUP)
    for app_label, model, codename in SALES_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            codename=codename,
        ).first()
        if permission is not None:
            group.permissions.add(permission)
