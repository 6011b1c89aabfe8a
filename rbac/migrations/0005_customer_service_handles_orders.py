"""客服/售后 handles orders too (orders_operate): the seller's SOP dispatches each new order to the store's on-duty
customer service (客服分单), who claim it, hand it over and mark it handled — "handle orders" is that right.

Only the built-in role is changed, and only when it does not hold the right yet; a company that edited the role
keeps its edits otherwise. Live bindings of the role get the right in the guardian mirror too (rbac.sync), as a
role edit would; a fresh install has none.
"""

from django.db import migrations

KEY, CODENAME = "customer_service", "orders_operate"


def forwards(apps, schema_editor):
    Role = apps.get_model("rbac", "Role")
    Permission = apps.get_model("auth", "Permission")
    role = Role.objects.filter(key=KEY, builtin=True).first()
    permission = Permission.objects.filter(content_type__app_label="stores", codename=CODENAME).first()
    if role is None or permission is None or role.permissions.filter(pk=permission.pk).exists():
        return
    role.permissions.add(permission)
    if apps.get_model("rbac", "RoleBinding").objects.filter(role=role).exists():
        from rbac.models import Role as LiveRole
        from rbac.sync import resync_role

        resync_role(LiveRole.objects.get(pk=role.pk), added=[permission.pk], removed=[])


def backwards(apps, schema_editor):
    pass  # the right stays: taking it away from people who use it is a decision for a person, not a rollback


class Migration(migrations.Migration):
    dependencies = [("rbac", "0004_binding_list_indexes"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, backwards)]
