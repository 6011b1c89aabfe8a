"""The searchable chooser of stores (core.choosers), and the store-owner scopes of the people chooser.

Scopes of STORES are restrict() actions: "view" (any right in the store), "users_view", "users_manage",
"settings_view", "settings_manage" — each the stores where the viewer holds that permission. Higher
apps add their own (notifications: the stores a robot may be filed under).
"""

from core.choosers import Chooser
from core.permissions import ANY
from staff.choosers import STAFF

from .models import Store
from .selectors import active_owner_choices, owner_choices

STORES = Chooser(
    "stores",
    model=Store,
    url_name="stores:store_lookup",
    search_fields=("name", "shop_id"),
    ordering=("platform", "site", "name", "pk"),
)
for action in ("view", "users_view", "users_manage", "settings_view", "settings_manage"):
    STORES.add_restricted_scope(action)

# Owners: the people a store list may be filtered by, and the active ones a store form may name.
STAFF.add_scope("store_owner", lambda viewer: owner_choices(viewer=viewer), requires=ANY)
STAFF.add_scope("active_owner", lambda viewer: active_owner_choices(viewer=viewer), requires="settings_manage")
