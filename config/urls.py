from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from core.sandbox_mount import closed_patterns
from staff.auth_views import admin_login

# /admin/ is read-only inspection for super admins, without secrets (core.admin_site); every change goes through
# the console. It signs in through the console's pages (password + second factor).
admin.site.login = admin_login

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("staff.auth_urls")),
    path("staff/", include("staff.urls")),
    path("stores/auth/", include("stores.auth_urls")),
    path("stores/", include("stores.urls")),
    path("rbac/", include("rbac.urls")),
    path("audit/", include("audit.urls")),
    path("notifications/", include("notifications.urls")),
    path("orders/", include("orders.urls")),
    path("security/", include("security.urls")),
    path("sop/", include("sop.urls")),
    path("reports/", include("reports.urls")),
    path("ads/", include("ads.urls")),
    path("api/v1/", include("config.api")),
    path("push/", include("orders.push_urls")),  # the platforms' push receivers (no session, no CSRF)
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

# Error answers a person can read (the console's frame, or JSON under /api/); see core.views_errors.
handler400 = "core.views_errors.bad_request"
handler403 = "core.views_errors.permission_denied"
handler404 = "core.views_errors.page_not_found"
handler500 = "core.views_errors.server_error"


def sandbox_mount():
    """The platform simulators under /sandbox/ (demo mode): their platform endpoints open as the platforms serve
    them, their pages and control API closed to all but super admins and the console's own processes."""
    from sandbox import urls as sandbox_urls

    patterns = closed_patterns(sandbox_urls.urlpatterns, platform=sandbox_urls.PLATFORM, control=sandbox_urls.CONTROL)
    return path("sandbox/", include((patterns, sandbox_urls.app_name)))


if settings.SHOPCREW_DEMO:
    urlpatterns.append(sandbox_mount())
