"""The staff × stores assignment grid, paged both ways."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.views.generic import TemplateView

from core.filters import BAD_PAGE, BAD_PAGE_SIZE, query_int
from core.permissions import permissions_of
from core.views import GateMixin

from .. import page_selectors, selectors

GRID_MAX = 100
GRID_ROWS = 50
GRID_COLS = 25


def _numbers(params) -> tuple[dict[str, int | None], list[str]]:
    """page, cpage, rows and cols as asked for (None when absent), and the messages for malformed ones
    (a list, other than ASCII digits, 0, past PAGE_MAX): those answer 400 with the grid at its defaults."""
    numbers: dict[str, int | None] = {}
    errors: list[str] = []
    for name, message in (("page", BAD_PAGE), ("cpage", BAD_PAGE), ("rows", BAD_PAGE_SIZE), ("cols", BAD_PAGE_SIZE)):
        try:
            numbers[name] = query_int(params, name, message=message)
        except ValidationError as exc:
            numbers[name] = None
            errors.extend(exc.messages)
    return numbers, errors


class GridView(GateMixin, TemplateView):
    """Staff × stores with the role(s) in each cell (all-store roles in their own column), filtered by
    department, platform, site and role (choices within the viewer's reach), paged along both axes."""

    required_permission = "users_view"
    template_name = "rbac/grid.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if response.context_data.get("page_errors"):
            response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        viewer, params = self.request.user, self.request.GET
        choices = page_selectors.grid_choices(viewer=viewer)
        departments = {str(d.pk): d for d in choices.departments}
        roles = {str(r.pk): r for r in choices.roles}
        department = departments.get(params.get("department", ""))
        role = roles.get(params.get("role", ""))
        platform = params.get("platform") if params.get("platform") in dict(choices.platforms) else None
        site = params.get("site") if params.get("site") in dict(choices.sites) else None
        numbers, page_errors = _numbers(params)
        rows = min(numbers["rows"] or GRID_ROWS, GRID_MAX)
        cols = min(numbers["cols"] or GRID_COLS, GRID_MAX)
        row_page, col_page = numbers["page"] or 1, numbers["cpage"] or 1
        grid = selectors.assignment_grid(
            viewer=viewer,
            department=department,
            platform=platform,
            site=site,
            role=role and role.pk,
            staff_offset=(row_page - 1) * rows,
            staff_limit=rows,
            store_offset=(col_page - 1) * cols,
            store_limit=cols,
        )
        kept = {
            k: v
            for k, v in {
                "department": department and department.pk,
                "platform": platform,
                "site": site,
                "role": role and role.pk,
                "rows": params.get("rows"),
                "cols": params.get("cols"),
            }.items()
            if v
        }
        context.update(
            grid=grid,
            choices=choices,
            selected={"department": department, "role": role, "platform": platform, "site": site},
            row_pages=_pages(grid.staff_total, rows, row_page, "page", {**kept, "cpage": col_page}),
            col_pages=_pages(grid.store_total, cols, col_page, "cpage", {**kept, "page": row_page}),
            can_grant=permissions_of(viewer).has_anywhere("users_manage"),
            filtered=bool(department or role or platform or site),
            page_errors=page_errors,
        )
        return context


def _pages(total: int, size: int, current: int, param: str, keep: dict) -> dict:
    """Previous/next links for one axis of the grid, keeping the other axis and the filters."""
    last = max(1, -(-total // size))

    def link(number):
        return "?" + urlencode({**keep, param: number})

    return {
        "current": min(current, last),
        "last": last,
        "total": total,
        "first_index": (current - 1) * size + 1 if total else 0,
        "last_index": min(current * size, total),
        "previous": link(current - 1) if current > 1 else None,
        "next": link(current + 1) if current < last else None,
    }
