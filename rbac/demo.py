"""Demo roles (run by `manage.py seed_demo` through core.seeding): position default roles, the demo staff's
role bindings on the stores they work on, and a password for each of them.

Each position proposes one built-in role; every demo person holds their position's default roles on the
stores listed in ASSIGNMENTS. The store admins (孙浩, 马超, 朱琳) hold no binding: they are the stores' primary
and backup owners, and ownership carries the store-admin role (rbac.permissions.OWNER_ROLE_KEY), so they run
exactly the stores they own — and, being administrators, sign in with a second factor. The bindings go through
rbac.services.binding_bootstrap — the seeding path, audited like a grant, with guardian kept in step —
because several roles hold high-risk permissions that an ordinary grant would send for approval.

Demo staff get the admin's demo password (var/admin_password or SHOPCREW_ADMIN_PASSWORD), so a visitor can
sign in as, say, a customer-service agent and see "my duties"; seed_demo prints that once with the
admin's sign-in. Only people without a usable password get it: a password set since is never replaced.
"""

from __future__ import annotations

from rbac.models import PositionRole, Role, RoleBinding
from rbac.services import binding_bootstrap, position_roles_set
from staff import services as staff_services
from staff.demo import STAFF, admin_password

# position → built-in role keys it proposes (rbac/builtin_roles.py)
POSITION_ROLES = {
    "客服-初级": ["customer_service"],
    "客服-高级": ["customer_service"],
    "仓储": ["inventory"],
    "运营-数据": ["finance_analyst"],
    "广告": ["ads"],
    "财务": ["finance_analyst"],
    "店铺管理员": ["store_admin"],
}

SHOPEE = ["220001", "220002", "220003"]
OZON = ["880001", "880002"]

# username → platform shop ids of the stores they work on (their position's default roles there)
ASSIGNMENTS = {
    "wangfang": ["220001", "220002"],
    "lina": ["220002", "220003"],
    "zhangwei": SHOPEE,
    "liuyang": OZON,
    "chenjing": SHOPEE,
    "yanglei": OZON,
    "zhaomin": ["880001", "220001"],
    "huangqiang": ["880002"],
    "zhouting": ["220001", "220003"],
    "wujun": OZON,
    "xuli": OZON,
}

REASON = "Demo data: the default role of the position on the stores this person works on"


def seed_position_roles(seed) -> None:
    """Default roles for the demo positions that have none yet."""
    roles = {r.key: r for r in Role.objects.filter(key__isnull=False)}
    configured = set(PositionRole.objects.values_list("position_id", flat=True))
    for name, keys in POSITION_ROLES.items():
        position = seed.positions.get(name)
        if position is None or position.pk in configured:
            continue
        position_roles_set(actor=seed.admin, position=position, roles=[roles[key] for key in keys])
        seed.created("position default roles")


def seed_bindings(seed) -> None:
    """Each demo person's position default roles on the stores of ASSIGNMENTS (missing bindings only), on
    any database (rbac.sync has a portable path for the embedded SQLite one)."""
    held = set(RoleBinding.objects.live().values_list("staff_id", "role_id", "store_id"))
    for username, shop_ids in ASSIGNMENTS.items():
        person = seed.staff.get(username)
        if person is None or person.position_id is None or not person.is_working:
            continue
        for link in PositionRole.objects.filter(position_id=person.position_id).select_related("role"):
            for shop_id in shop_ids:
                store = seed.stores.get(shop_id)
                if store is None or (person.pk, link.role_id, store.pk) in held:
                    continue
                binding_bootstrap(staff=person, role=link.role, store=store, reason=REASON)
                held.add((person.pk, link.role_id, store.pk))
                seed.created("role bindings")


def seed_passwords(seed) -> None:
    """The admin's demo password for every demo person who has no usable password yet."""
    password = admin_password(create=False)
    if not password:
        return
    for username, *_rest in STAFF:
        person = seed.staff.get(username)
        if person is None or person.has_usable_password():
            continue
        seed.staff[username] = staff_services.staff_update(actor=seed.admin, staff=person, data={}, password=password)
        seed.created("staff passwords")


SEED_STEPS = [seed_position_roles, seed_bindings, seed_passwords]
