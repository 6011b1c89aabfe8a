"""factory_boy factories shared by the whole suite (append new ones at the end)."""

import factory
from django.contrib.auth import get_user_model

from staff.models import Department, Position
from stores.models import Store

TEST_PASSWORD = "Correct-Horse-42"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"部门{n}")


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"岗位{n}")
    department = factory.SubFactory(DepartmentFactory)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SuperuserFactory(StaffFactory):
    is_superuser = True
    is_staff = True


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    platform = "shopee"
    site = "SG"
    shop_id = factory.Sequence(lambda n: str(100000 + n))
    name = factory.Sequence(lambda n: f"Store {n}")
    primary_owner = factory.SubFactory(StaffFactory)
    backup_owner = factory.SubFactory(StaffFactory)


# --- platform credentials and group robots (stores.credentials, notifications) ---


class ShopeeAppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stores.ShopeeApp"

    name = factory.Sequence(lambda n: f"Shopee app {n}")
    partner_id = factory.Sequence(lambda n: 2_000_000 + n)
    partner_key = factory.Sequence(lambda n: f"shpk{n:060x}")
    environment = "simulator"


class OzonCredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stores.OzonCredential"

    store = factory.SubFactory(StoreFactory, platform="ozon", site="RU")
    client_id = factory.Sequence(lambda n: 500_000 + n)
    api_key = factory.Sequence(lambda n: f"0b8c3c2e-{n:04d}-4a9e-9d7e-ozon{n:08d}")


class RobotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Robot"

    name = factory.Sequence(lambda n: f"店铺{n}-客服部-新订单")
    webhook_key = factory.Sequence(lambda n: f"693a91f6-7{n:03d}-4bc4-97a0-0ec2sifa5aaa")


# --- per-store roles (rbac) ---
# Role/RoleBinding/ExceptionGrant factories write raw rows only (no guardian sync, no audit): use them for
# hot-path and selector tests; go through rbac.services (binding_grant, binding_bootstrap) for the full path.


def store_permission(codename):
    """The auth.Permission of a catalogue codename on Store."""
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label="stores", codename=codename)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rbac.Role"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"角色{n}")

    @factory.post_generation
    def permissions(obj, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Permission

            obj.permissions.set(
                Permission.objects.filter(content_type__app_label="stores", codename__in=list(extracted))
            )


class RoleBindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rbac.RoleBinding"

    staff = factory.SubFactory(StaffFactory)
    role = factory.SubFactory(RoleFactory)
    store = factory.SubFactory(StoreFactory)
    reason = "test"


class ExceptionGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rbac.ExceptionGrant"

    staff = factory.SubFactory(StaffFactory)
    store = factory.SubFactory(StoreFactory)
    permission = factory.LazyFunction(lambda: store_permission("finance_export"))
    reason = "test"


def api_token(user, *, name: str = "test script", **options) -> str:
    """Issue `user` an API token through the service (as from a verified session) and return its secret."""
    from staff.token_services import api_token_issue

    _token, secret = api_token_issue(user=user, name=name, second_factor_passed=True, **options)
    return secret
