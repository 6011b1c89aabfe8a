from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus the request id so a user can quote it to support."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        request = context.get("request")
        request_id = getattr(getattr(request, "_request", None), "request_id", None)
        if request_id:
            response.data.setdefault("request_id", request_id)
    return response
