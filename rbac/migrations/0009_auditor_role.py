"""Ship the built-in 审计员 (auditor) role: reads the audit log and who works where in its stores (users_view,
settings_view), changes nothing. Bound on chosen stores, or on all stores for the whole log."""

from django.db import migrations

CODES = ["users_view", "settings_view"]


def seed(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Role = apps.get_model("rbac", "Role")
    ctype, _ = ContentType.objects.get_or_create(app_label="stores", model="store")
    perms = [
        Permission.objects.get_or_create(content_type=ctype, codename=code, defaults={"name": code})[0]
        for code in CODES
    ]
    role, _ = Role.objects.update_or_create(
        key="auditor",
        defaults={
            "name": "审计员",
            "is_super_admin": False,
            "builtin": True,
            "description": "Reads the audit log, and who works where, in its stores (or all): changes nothing.",
        },
    )
    role.permissions.set(perms)


def unseed(apps, schema_editor):
    apps.get_model("rbac", "Role").objects.filter(key="auditor", bindings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("rbac", "0008_role_approval")]

    operations = [migrations.RunPython(seed, unseed)]
