from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from staff.auth_views import admin_login

admin.site.site_header = "ShopCrew"
admin.site.site_title = "ShopCrew"
admin.site.login = admin_login  # the admin signs in through the console's pages (password + second factor)

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

if settings.SHOPCREW_DEMO:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
