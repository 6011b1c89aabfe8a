from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("board/", views.BoardView.as_view(), name="board"),
    path("board/export/", views.BoardExportView.as_view(), name="board_export"),
    path("sku/", views.SkuStockView.as_view(), name="sku_stock"),
    path("costs/", views.SkuCostView.as_view(), name="skucost_list"),
    path("rates/", views.ExchangeRateView.as_view(), name="rate_list"),
]
