"""The JSON endpoint behind every searchable chooser (core.choosers): GET ?scope=&q=&page= answers
{"results": [{"id", "text"}], "more": bool} with at most one page of the rows that scope offers the
viewer. Sign-in and the second factor come first (as for every page); a viewer who holds the scope's
permission nowhere gets 403, an unknown scope or a page that is not 1…50 gets 400 with a message in the
viewer's language. One query for the rows, whatever the data size.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import View

from .choosers import MAX_PAGE, Chooser
from .permissions import permissions_of


def _page(value: str | None) -> int | None:
    """?page= as 1…MAX_PAGE (absent: 1); None for anything else (letters, other scripts' digits, 0, a huge number)."""
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdigit()) or len(value) > 4 or not 1 <= int(value) <= MAX_PAGE:
        return None
    return int(value)


class ChooserLookupView(LoginRequiredMixin, View):
    """Searches one Chooser for the signed-in viewer; each app mounts one per chooser."""

    chooser: Chooser | None = None
    default_scope = "view"
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        chooser = self.chooser
        if chooser is None:
            raise ImproperlyConfigured("ChooserLookupView.as_view(chooser=...) names the chooser it searches")
        name = request.GET.get("scope") or self.default_scope
        scope = chooser.scope(name)
        if scope is None:
            return JsonResponse({"error": _("Unknown choice list.")}, status=400)
        if scope.requires is not None and not permissions_of(request.user).has_anywhere(scope.requires):
            raise PermissionDenied
        page = _page(request.GET.get("page"))
        if page is None:
            return JsonResponse({"error": _("Not a page number from 1 to %(last)s.") % {"last": MAX_PAGE}}, status=400)
        query = request.GET.get("q", "")
        if "\x00" in query:  # PostgreSQL holds no NUL: refused like a form's text field refuses it
            return JsonResponse({"error": _("Null characters are not allowed.")}, status=400)
        results, more = chooser.search(viewer=request.user, scope=name, query=query, page=page)
        return JsonResponse({"results": results, "more": more}, json_dumps_params={"ensure_ascii": False})
