"""The ads app's entry in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("ads:overview", _("Ads"), "ads_view", order=39)


def _store_panel() -> None:
    from stores.views import STORE_DETAIL_PANELS

    if "ads/_store_panel.html" not in STORE_DETAIL_PANELS["extra"]:
        STORE_DETAIL_PANELS["extra"].append("ads/_store_panel.html")


_store_panel()
