"""The stores a group robot may be filed under, as a scope of the store chooser (core.choosers)."""

from stores.choosers import STORES

from .selectors import robot_store_choices

STORES.add_scope("robot", lambda viewer: robot_store_choices(viewer=viewer), requires="settings_manage")
