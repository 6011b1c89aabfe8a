"""REST API v1: each app contributes its routes; the index, schema and docs pages live here."""

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

app_name = "api"


def _collection_names(patterns) -> list[str]:
    """The URL names of this API's addresses that take no argument (collections and single pages)."""
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += _collection_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            names.append(pattern.name)
    return names


class IndexView(APIView):
    """GET /api/v1/: every address of the API that takes no argument, with the schema and docs pages."""

    @extend_schema(exclude=True)
    def get(self, request):
        names = [n for n in _collection_names(urlpatterns) if n != "index"]
        links = {name.removesuffix("-list"): reverse(f"api:{name}", request=request) for name in names}
        return Response({"version": "1", "endpoints": dict(sorted(links.items()))})


class DocsView(SpectacularSwaggerView):
    """The Swagger UI page (served from drf-spectacular-sidecar, no CDN). Its renderer is an HTML template,
    which DRF's OPTIONS metadata cannot fill: OPTIONS answers the allowed methods with an empty body."""

    http_method_names = ["get", "head", "options"]

    def options(self, request, *args, **kwargs):
        response = HttpResponse(status=200)
        response["Allow"] = ", ".join(self.allowed_methods)
        return response


urlpatterns = [
    path("", IndexView.as_view(), name="index"),
    path("", include("staff.api.urls")),
    path("", include("stores.api.urls")),
    path("", include("rbac.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("orders.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]
