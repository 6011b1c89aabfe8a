"""The searchable choosers of people and departments (core.choosers): every field that picks a person or
a department searches these endpoints instead of listing every row.

Scopes of STAFF: "view" — people the viewer may see (users_view); "active" — those of them at work (a
department manager, a grantee). Higher apps add their own (stores: store owners).
"""

from core.choosers import Chooser
from core.permissions import ANY

from .models import Department, Staff
from .selectors import active_staff_choices

STAFF = Chooser(
    "staff",
    model=Staff,
    url_name="staff:staff_lookup",
    search_fields=("name", "employee_id", "username"),
    ordering=("name", "pk"),
)
STAFF.add_restricted_scope("view")
STAFF.add_scope("active", lambda viewer: active_staff_choices(viewer=viewer), requires="users_view")

DEPARTMENTS = Chooser(
    "departments",
    model=Department,
    url_name="staff:department_lookup",
    search_fields=("name",),
    ordering=("name", "pk"),
)
# Departments are company-wide names (their pages are a directory); anyone working in a store may pick one.
DEPARTMENTS.add_scope("view", lambda viewer: Department.objects.all(), requires=ANY)
