"""The stores a group robot may be filed under, as a scope of the store chooser (core.choosers)."""

from stores.choosers import STORES

from .selectors import robot_store_choices

STORES.add_scope("robot", lambda viewer: robot_store_choices(viewer=viewer), requires="settings_manage")

# The searchable chooser of group robots (the delivery log's and the messages' robot filters): by name, only the
# name read (a key is never decrypted to list robots). Scope "view": robots of the stores whose settings the
# viewer sees (company-wide ones: super admins).
from core.choosers import Chooser  # noqa: E402

from .models import Robot  # noqa: E402

ROBOTS = Chooser(
    "robots", model=Robot, url_name="notifications:robot_lookup", search_fields=("name",), ordering=("name", "pk")
)
ROBOTS.add_scope(
    "view", lambda viewer: Robot.objects.restrict(viewer, "view").only("id", "name"), requires="settings_view"
)
