"""The orders app's entries in the top navigation (see core.navigation)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import register

register("orders:order_list", _("Orders"), "orders_view", order=35)
register("orders:case_list", _("After-sales"), "after_sales_view", order=36)
register("orders:stock_list", _("Stock"), "inventory_view", order=37)
