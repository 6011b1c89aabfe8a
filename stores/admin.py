"""A read-only admin page for stores: changes go through the console (stores.services), which
validates, re-checks rights and writes the audit log."""

from django.contrib import admin

from staff.admin import ReadOnlyAdmin

from .models import Store


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ["name", "platform", "site", "shop_id", "status", "primary_owner", "backup_owner"]
    list_filter = ["platform", "site", "status"]
    search_fields = ["name", "shop_id"]
    list_select_related = ["primary_owner", "backup_owner"]
