"""The edges of the permission core that the matrix's personas stand on (issue 8, guarantee g): all-store
roles that are not super admin, a binding on a store without the action's right, Django's is_staff flag,
deactivated accounts and the moment a binding expires."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import _user_has_perm
from django.urls import reverse
from django.utils import timezone
from guardian.backends import ObjectPermissionBackend

from core.permissions import ANY, PermissionSet, forget_permissions, permissions_of
from core.testing import password_login
from notifications.models import Robot
from rbac import services
from rbac.backends import StoreRoleBackend
from rbac.permissions import load_permissions
from rbac.selectors import permission_explanation
from stores.models import Store
from tests.factories import RobotFactory, RoleFactory, StaffFactory, StoreFactory

pytestmark = pytest.mark.django_db


def bind(person, perms, store=None):
    return services.binding_bootstrap(staff=person, role=RoleFactory(permissions=perms), store=store, reason="edge")


# ---------------------------------------------------------------------------------------------- PermissionSet


def test_all_store_rights_count_on_every_store_and_anywhere():
    rights = PermissionSet(per_store={1: frozenset({"orders_view"})}, everywhere={"users_manage"})

    assert rights.has("users_manage", 2) and rights.has("users_manage", None)
    assert rights.has_anywhere("users_manage") and rights.is_admin
    assert rights.perms_on(2) == {"users_manage"} and rights.perms_on(1) == {"orders_view", "users_manage"}
    assert rights.stores_with(ANY) is not None and 999 in rights.stores_with(ANY)
    assert 999 in rights.stores_with("users_manage") and 999 not in rights.stores_with("orders_view")
    assert not rights.has("orders_view", 2) and not rights.super_admin


def test_store_rights_stay_on_their_store():
    rights = PermissionSet(per_store={1: frozenset({"orders_view"}), 2: frozenset()})

    assert rights.has("orders_view", 1) and not rights.has("orders_view", 2) and not rights.has("orders_view", 3)
    assert rights.has(ANY, 2) and not rights.has(ANY, 3)
    assert rights.stores_with("orders_view") == {1} and rights.stores_with(ANY) == {1, 2}
    assert not rights.has_anywhere("users_manage") and not rights.is_admin and rights.has_anywhere(ANY)
    assert not PermissionSet().has_anywhere(ANY) and PermissionSet(everywhere={"ads_view"}).has_anywhere(ANY)


def test_a_super_admin_has_everything_everywhere():
    rights = PermissionSet(super_admin=True)
    assert rights.has("finance_export", 7) and rights.has_anywhere("users_manage") and 7 in rights.stores_with("x")


# ---------------------------------------------------------------------------------------------- loading and restrict()


def test_restrict_follows_the_action_not_any_right_in_the_store():
    store, other = StoreFactory(), StoreFactory()
    person = StaffFactory()
    bind(person, ["orders_view"], store)
    mine, theirs = RobotFactory(store=store), RobotFactory(store=other)

    assert list(Store.objects.restrict(person, "view")) == [store]  # any right shows the store itself
    assert not Store.objects.restrict(person, "change").exists()  # settings_manage is not held there
    assert not Robot.objects.restrict(person, "view").exists()  # robots need settings_view there
    bind(person, ["settings_view"], store)
    forget_permissions(person)
    assert list(Robot.objects.restrict(person, "view")) == [mine] and theirs.pk


def test_rows_reached_through_a_relation_follow_their_stores_order_lines():
    """Order lines have no store of their own (store_lookups "order__store"): a colleague with order rights on
    one store sees that store's lines and nothing of another's."""
    from orders.models import Order, OrderItem

    store, other = StoreFactory(), StoreFactory()
    person = StaffFactory()
    bind(person, ["orders_view"], store)
    lines = []
    for where in (store, other):
        order = Order.objects.create(
            store=where,
            order_id=f"SN{where.pk}",
            fulfilment="seller",
            status="to_ship",
            platform_status="READY_TO_SHIP",
            synced_at=timezone.now(),
        )
        lines.append(OrderItem.objects.create(order=order, line=1, sku="SKU-1", quantity=1))

    assert list(OrderItem.objects.restrict(person, "view")) == [lines[0]]


def test_an_all_store_role_that_is_not_super_admin_loads_as_all_store_rights():
    person = StaffFactory()
    bind(person, ["users_view", "users_manage"])
    store = StoreFactory()

    rights = load_permissions(person)
    assert not rights.super_admin and rights.everywhere == {"users_view", "users_manage"}
    assert rights.has("users_manage", store.pk) and rights.is_admin
    assert set(StoreRoleBackend().get_all_permissions(person)) == {"stores.users_view", "stores.users_manage"}
    assert person.has_perm("stores.users_manage", store) and person.has_perm("stores.users_manage")
    assert not person.has_perm("stores.orders_view", store)
    assert StoreRoleBackend().has_module_perms(person, "stores")


def test_store_rights_answer_per_store_through_the_backend():
    store, other = StoreFactory(), StoreFactory()
    person = StaffFactory()
    bind(person, ["orders_view"], store)

    assert person.has_perm("stores.orders_view", store) and not person.has_perm("stores.orders_view", other)
    # The same answers through Django's backend loop (any code that dispatches over the backends).
    assert _user_has_perm(person, "stores.orders_view", store)
    assert not _user_has_perm(person, "stores.orders_view", other)
    assert not _user_has_perm(person, "stores.finance_view", store)
    assert not person.has_perm("stores.orders_view")  # without an object only all-store rights count
    assert StoreRoleBackend().get_all_permissions(person, store) == {"stores.orders_view"}
    assert StoreRoleBackend().get_all_permissions(person, other) == set()
    assert StoreRoleBackend().has_module_perms(person, "stores")
    assert not StoreRoleBackend().has_module_perms(StaffFactory(), "stores")


def test_a_binding_grants_nothing_from_the_moment_it_expires():
    store, person = StoreFactory(), StaffFactory()
    binding = bind(person, ["orders_view"], store)
    type(binding).objects.filter(pk=binding.pk).update(expires_at=timezone.now() + timedelta(hours=1))

    assert load_permissions(person).has("orders_view", store.pk)
    assert not load_permissions(person, now=binding.created_at + timedelta(hours=2)).has("orders_view", store.pk)


def test_a_deactivated_account_holds_nothing_and_is_explained_as_not_allowed():
    store, person, viewer = StoreFactory(), StaffFactory(), StaffFactory()
    bind(person, ["orders_view"], store)
    bind(viewer, ["users_view"], store)
    assert permission_explanation(viewer=viewer, staff=person, perm="orders_view", store=store).allowed

    type(person).objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()

    assert not load_permissions(person).per_store
    assert not permissions_of(person).has("orders_view", store.pk)
    assert not person.has_perm("stores.orders_view", store)
    assert StoreRoleBackend().get_all_permissions(person, store) == set()
    explanation = permission_explanation(viewer=viewer, staff=person, perm="orders_view", store=store)
    assert not explanation.allowed and len(explanation.bindings) == 1  # the binding is shown, not honoured


# ---------------------------------------------------------------------------------------------- the second factor


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: bind(person := StaffFactory(), ["users_view", "users_manage"]) and person, id="allstore"),
        pytest.param(lambda: StaffFactory(is_staff=True), id="djstaff"),
        pytest.param(lambda: StaffFactory(is_superuser=True), id="superuser"),
    ],
)
def test_admins_of_every_kind_are_sent_through_the_second_factor(client, make):
    person = make()
    password_login(client, person)

    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_setup"))
    api = client.get(reverse("api:me-permissions"))
    assert api.status_code == 403


def test_an_ordinary_all_store_role_is_not_an_admin(client):
    person = StaffFactory()
    bind(person, ["orders_view"])
    password_login(client, person)

    assert client.get(reverse("core:home")).status_code == 200


def test_an_expired_binding_not_yet_swept_from_guardian_grants_nothing_through_has_perm():
    """guardian's group membership outlives the expiry until the sweep; the project's backend answers the
    store permissions itself (and stops Django's backend loop), so has_perm follows the expiry at once."""
    store, person = StoreFactory(), StaffFactory()
    binding = bind(person, ["orders_view"], store)
    assert person.has_perm("stores.orders_view", store)

    type(binding).objects.filter(pk=binding.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    person = type(person).objects.get(pk=person.pk)  # a fresh request's user

    assert person.groups.exists()  # guardian still holds the membership
    assert not person.has_perm("stores.orders_view", store)
    # Django's own backend loop (what has_perm does for any user model): the project's backend refuses and
    # stops the loop before guardian's backend can answer from the stale membership.
    assert not _user_has_perm(person, "stores.orders_view", store)
    assert ObjectPermissionBackend().has_perm(person, "stores.orders_view", store)  # the stale answer it stops


def test_the_backend_lists_everything_for_a_django_superuser_and_no_other_apps_modules():
    root = StaffFactory(is_superuser=True)
    everything = StoreRoleBackend().get_all_permissions(root)
    assert "stores.finance_export" in everything and "stores.users_manage" in everything
    assert StoreRoleBackend().get_all_permissions(root, StoreFactory()) == everything
    assert StoreRoleBackend().has_module_perms(root, "stores")

    clerk = StaffFactory()
    bind(clerk, ["orders_view"], StoreFactory())
    assert StoreRoleBackend().has_module_perms(clerk, "stores")
    assert not StoreRoleBackend().has_module_perms(clerk, "auth")  # store rights open no other app's admin


# ---------------------------------------------------------------------------------------------- permissions_of()


def test_an_object_in_a_store_is_judged_by_its_store_not_by_its_own_id():
    """has_perm(perm, robot) asks about the robot's store: a robot in a store where the person holds the right
    is allowed, one elsewhere is not, whatever the robot's own id happens to be."""
    mine, other = StoreFactory(), StoreFactory()
    person = StaffFactory()
    bind(person, ["settings_manage"], mine)
    in_mine, in_other = RobotFactory(store=mine), RobotFactory(store=other)
    while in_mine.pk == mine.pk:  # a robot whose own id is no store id the person holds rights on
        in_mine = RobotFactory(store=mine)

    assert person.has_perm("stores.settings_manage", in_mine)
    assert not person.has_perm("stores.settings_manage", in_other)


def test_rights_are_loaded_once_per_person_object(django_assert_num_queries):
    """A request reads its viewer's rights once, however many checks it makes (so one query, not one per
    check); a change of the person's own bindings is seen after forget_permissions()."""
    store = StoreFactory()
    person = StaffFactory()
    bind(person, ["orders_view"], store)
    permissions_of(StaffFactory())  # the role map is warm

    with django_assert_num_queries(1):
        first = permissions_of(person)
        again = permissions_of(person)
        person.has_perm("stores.orders_view", store)
    assert again is first and first.has("orders_view", store.pk)


def test_a_person_deactivated_holds_nothing_from_that_moment_even_with_rights_already_read():
    """Offboarding deactivates the very object a request is serving: its rights, read earlier in the request,
    count for nothing afterwards (permissions_of answers nothing for an inactive account, cached or not)."""
    store = StoreFactory()
    person = StaffFactory()
    bind(person, ["orders_view"], store)
    assert permissions_of(person).has("orders_view", store.pk)

    person.is_active = False

    assert not permissions_of(person).has("orders_view", store.pk)
    assert not person.has_perm("stores.orders_view", store)
    assert not Store.objects.restrict(person, "orders_view").exists()


def test_a_super_admin_who_also_holds_an_ordinary_all_store_role_stays_super_admin(roles):
    """Holding an extra all-store role (reports, say) takes nothing away: a Django superuser, and someone
    bound to the super-admin role, are super admins whatever else they hold and in whatever order it loads."""
    superuser = StaffFactory(is_superuser=True)
    bind(superuser, ["reports_view"])
    bound = StaffFactory()
    bind(bound, ["reports_view"])
    services.binding_bootstrap(staff=bound, role=roles["super_admin"], reason="edge")
    bind(bound, ["ads_view"])

    assert load_permissions(superuser).super_admin and load_permissions(bound).super_admin


def test_the_roles_holding_a_right_are_those_that_name_it_and_the_super_admin_roles():
    """Who may approve, whom a route mentions as holders of a right: roles_with answers exactly the roles whose
    permissions include it, and the super-admin roles."""
    from rbac.permissions import role_cache

    rmap = role_cache.get()
    holders = set(rmap.roles_with("finance_export"))
    assert {rmap.keys["finance_analyst"], rmap.keys["super_admin"]} <= holders
    assert rmap.keys["customer_service"] not in holders and rmap.keys["listing_editor"] not in holders
