"""The orders app's scopes of the store and people choosers (core.choosers; the lookup endpoints are the
stores' and staff's): stores where the viewer sees orders, cases or stock, and the colleagues of those
stores, to filter by assignee."""

from staff.choosers import STAFF
from stores.choosers import STORES

for action in ("orders_view", "after_sales_view", "inventory_view"):
    STORES.add_restricted_scope(action)
    if action != "inventory_view":
        # People related to the stores where the viewer sees orders / after-sales cases (bindings, ownership).
        STAFF.add_restricted_scope(action)
