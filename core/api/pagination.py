"""The API's page-number pagination: a malformed page or page size is a 400, a page past the end a 404.

DRF alone turns `?page=²` into a 404 and silently ignores `?page_size=x`; here both are validation errors
with a message in the caller's language, and the page number is bounded so no offset can overflow.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from core.filters import ONE_VALUE

PAGE_MAX = 10**9
BAD_PAGE = _("Enter a page number written with the digits 0-9, from 1 to 1000000000.")
BAD_PAGE_SIZE = _("Enter a page size written with the digits 0-9, from 1 (larger sizes count as the maximum).")


def _bounded(request, name: str, high: int, message) -> int | None:
    """The query parameter `name` as an int in 1..high, None when absent; a ValidationError otherwise."""
    values = request.query_params.getlist(name)
    if not values or values == [""]:
        return None
    if len(values) > 1:
        raise ValidationError({name: [ONE_VALUE]})
    text = values[0].strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= high):
        raise ValidationError({name: [message]})
    return int(text)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return raw
        return _bounded(request, self.page_query_param, PAGE_MAX, BAD_PAGE) or 1

    def get_page_size(self, request):
        size = _bounded(request, self.page_size_query_param, PAGE_MAX, BAD_PAGE_SIZE)
        return min(size, self.max_page_size) if size else self.page_size
