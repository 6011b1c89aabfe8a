"""Mountable urlconf: standalone at / (sandbox.root_urls) or inside the console under /sandbox/ in demo mode.

Inside the console (config.urls, core.sandbox_mount) the names below say who may call what: PLATFORM endpoints
stay open as the real platforms' are (each checks its platform's own credential), the CONTROL API answers the
console's own processes (control token) and super admins, and every other URL is a page for super admins.
"""

from django.urls import path, re_path

from . import control_api, ozon, ozon_performance, shopee, views, wecom, wecom_server

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("shopee/<path:rest>", shopee.api, name="shopee_api"),
    path("ozon/<path:rest>", ozon.api, name="ozon_api"),
    # the Ozon Performance API (ads) on its own host, as api-performance.ozon.ru
    path("ozon-performance/<path:rest>", ozon_performance.api, name="ozon_performance_api"),
    path("wecom/cgi-bin/webhook/send", wecom.send, name="wecom_send"),
    path("wecom/cgi-bin/webhook/upload_media", wecom.upload_media, name="wecom_upload_media"),
    # the WeCom server API (contacts, sign-in exchange, app messages) beside the robots on the qyapi host
    path("wecom/cgi-bin/<path:rest>", wecom_server.api, name="wecom_server_api"),
    # WeCom's sign-in pages (login.work.weixin.qq.com, open.work.weixin.qq.com, open.weixin.qq.com)
    path("wecom/_login/wwlogin/sso/login", wecom_server.login, {"flow": "wwlogin"}, name="wecom_login"),
    path("wecom/_login/wwopen/sso/qrConnect", wecom_server.login, {"flow": "qrconnect"}, name="wecom_qrconnect"),
    path("wecom/_oauth/connect/oauth2/authorize", wecom_server.login, {"flow": "oauth"}, name="wecom_oauth"),
    path("wecom/_messages/", wecom.message_list, name="wecom_robot_list"),
    path("wecom/_messages/<str:ref>/", wecom.message_detail, name="wecom_message_list"),
    re_path(r"^control/(?P<rest>.*)$", control_api.api, name="control_api"),
]

# The platforms' own endpoints, called by the console's clients (Shopee's seller authorization page included:
# its links are signed with the partner key, as Shopee's are).
PLATFORM = {
    "shopee_api",
    "ozon_api",
    "ozon_performance_api",
    "wecom_send",
    "wecom_upload_media",
    "wecom_server_api",
    "wecom_login",
    "wecom_qrconnect",
    "wecom_oauth",
}
CONTROL = {"control_api"}
