"""The API's page-number pagination: a malformed page or page size is a 400, a page past the end a 404.

DRF alone turns `?page=²` into a 404 and silently ignores `?page_size=x`; here both are validation errors
with a message in the caller's language, and the page number is bounded so no offset can overflow.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from core.filters import BAD_PAGE, BAD_PAGE_SIZE, query_int


def _query_int(request, name: str, message) -> int | None:
    try:
        return query_int(request.query_params, name, message=message)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return raw
        return _query_int(request, self.page_query_param, BAD_PAGE) or 1

    def get_page_size(self, request):
        size = _query_int(request, self.page_size_query_param, BAD_PAGE_SIZE)
        return min(size, self.max_page_size) if size else self.page_size
