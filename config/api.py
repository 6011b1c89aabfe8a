"""REST API v1: each app contributes its routes; schema and docs pages live here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

app_name = "api"

urlpatterns = [
    path("", include("staff.api.urls")),
    path("", include("stores.api.urls")),
    path("", include("rbac.api.urls")),
    path("", include("audit.api.urls")),
    path("", include("notifications.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
