"""Admin pages for staff, departments and positions: read-only, as every page of /admin/ (core.admin_site).

Changes go through the console (staff.services), which validates, re-checks rights and writes the audit log;
the Django admin would do none of that, so it only shows (passwords never).
"""

from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import Department, Position, Staff


@admin.register(Staff)
class StaffAdmin(ReadOnlyAdmin):
    list_display = [
        "employee_id",
        "name",
        "username",
        "position",
        "department",
        "status",
        "is_active",
        "is_superuser",
        "last_active",
    ]
    list_filter = ["status", "is_active", "is_superuser", "department"]
    search_fields = ["name", "employee_id", "username", "mobile", "wecom_userid", "email"]
    list_select_related = ["position", "department"]
    exclude = ["password"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "manager"]
    search_fields = ["name"]
    list_select_related = ["manager"]


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["name", "department"]
    list_filter = ["department"]
    search_fields = ["name"]
    list_select_related = ["department"]
