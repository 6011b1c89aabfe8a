"""A read-only admin page for stores, as every page of /admin/ (core.admin_site): changes go through the console
(stores.services), which validates, re-checks rights and writes the audit log. A store's platform credentials
(ShopeeApp, ShopeeCredential, OzonCredential) have no admin page at all."""

from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import Store


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ["name", "platform", "site", "shop_id", "status", "primary_owner", "backup_owner"]
    list_filter = ["platform", "site", "status"]
    search_fields = ["name", "shop_id"]
    list_select_related = ["primary_owner", "backup_owner"]
