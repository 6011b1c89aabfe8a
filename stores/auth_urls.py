"""Store connection pages: Shopee apps and authorization, Ozon keys, "test connection" (namespace store_auth)."""

from django.urls import path

from . import auth_views

app_name = "store_auth"

urlpatterns = [
    path("shopee/apps/", auth_views.ShopeeAppListView.as_view(), name="shopeeapp_list"),
    path("shopee/apps/new/", auth_views.ShopeeAppCreateView.as_view(), name="shopeeapp_create"),
    path("shopee/apps/<int:pk>/edit/", auth_views.ShopeeAppEditView.as_view(), name="shopeeapp_edit"),
    path("<int:pk>/shopee/authorize/", auth_views.ShopeeAuthorizeView.as_view(), name="shopee_authorize"),
    path("shopee/callback/", auth_views.ShopeeCallbackView.as_view(), name="shopee_callback"),
    path("<int:pk>/shopee/deauthorize/", auth_views.ShopeeDeauthorizeView.as_view(), name="shopee_deauthorize"),
    path("<int:pk>/ozon/keys/", auth_views.OzonKeysView.as_view(), name="ozon_keys"),
    path("<int:pk>/ozon/performance/", auth_views.OzonPerformanceKeysView.as_view(), name="ozon_performance_keys"),
    path("<int:pk>/ozon/performance/test/", auth_views.OzonPerformanceTestView.as_view(), name="ozon_performance_test"),
    path("<int:pk>/test/", auth_views.ConnectionTestView.as_view(), name="connection_test"),
]
