"""Per-store rights for tests, without depending on how roles are stored.

The `grant` fixture swaps in a permission loader that answers from a table the test fills:
`grant(user, {"users_view"}, stores=[store])` (stores=None: on every store). Superusers stay super
admins. `grant_owned(user, perms)` gives perms on whichever stores the user is primary owner of *at
the time of the check*, which lets a test move a store out of someone's reach.
"""

import pytest

from core import permissions as core_permissions
from core.permissions import EMPTY, PermissionSet

_GRANTS: dict[int, PermissionSet] = {}
_OWNED: dict[int, frozenset[str]] = {}


def load(user) -> PermissionSet:
    if user.is_superuser:
        return PermissionSet(super_admin=True)
    if user.pk in _OWNED:
        from stores.models import Store

        stores = Store.objects.filter(primary_owner=user).values_list("pk", flat=True)
        return PermissionSet(per_store={pk: _OWNED[user.pk] for pk in stores})
    return _GRANTS.get(user.pk, EMPTY)


@pytest.fixture
def grant(settings):
    settings.SHOPCREW_PERMISSION_LOADER = "tests.staff.grants.load"
    core_permissions._loader.cache_clear()

    def _grant(user, perms, *, stores=None):
        perms = frozenset(perms)
        previous = _GRANTS.get(user.pk, EMPTY)
        if stores is None:
            _GRANTS[user.pk] = PermissionSet(per_store=previous.per_store, everywhere=previous.everywhere | perms)
        else:
            per_store = dict(previous.per_store)
            for store in stores:
                per_store[store.pk] = per_store.get(store.pk, frozenset()) | perms
            _GRANTS[user.pk] = PermissionSet(per_store=per_store, everywhere=previous.everywhere)
        core_permissions.forget_permissions(user)
        return user

    _grant.owned = lambda user, perms: (
        _OWNED.__setitem__(user.pk, frozenset(perms)),
        core_permissions.forget_permissions(user),
    )
    yield _grant
    _GRANTS.clear()
    _OWNED.clear()
    core_permissions._loader.cache_clear()
