"""The sop app's entries in the top navigation (see core.navigation); each part registers its own below.

Checklists (sop.views_checklists): the list for everyone signed in; 我的职责 shows today's checklists assigned to the
viewer and the store page links to its daily checks (registered here: core imports every navigation module once the
apps are ready)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register
from core.views_home import DUTY_PANELS

register("sop:checklist_list", _("Checklists"), None, order=62)
if "sop/checklists/_duty_panel.html" not in DUTY_PANELS:
    DUTY_PANELS.insert(0, "sop/checklists/_duty_panel.html")


def _store_panel() -> None:
    from stores.views import STORE_DETAIL_PANELS

    if "sop/checklists/_store_panel.html" not in STORE_DETAIL_PANELS["extra"]:
        STORE_DETAIL_PANELS["extra"].append("sop/checklists/_store_panel.html")


_store_panel()
