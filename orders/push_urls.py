"""The push receivers' URLs, mounted at /push/ (config/urls.py): machine endpoints, not console pages."""

from django.urls import path

from . import receivers

app_name = "push"

urlpatterns = [
    path("shopee/<int:partner_id>/", receivers.shopee_push, name="shopee"),
    path("ozon/", receivers.ozon_push, name="ozon"),
]
