"""Orders, after-sales and stock pages and the work actions (namespace orders, mounted at /orders/)."""

from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("", views.OrderListView.as_view(), name="order_list"),
    path("<int:pk>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("<int:pk>/claim/", views.OrderClaimView.as_view(), name="order_claim"),
    path("<int:pk>/hand-over/", views.OrderHandOverView.as_view(), name="order_hand_over"),
    path("<int:pk>/handled/", views.OrderHandleView.as_view(), name="order_handle"),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/claim/", views.CaseClaimView.as_view(), name="case_claim"),
    path("cases/<int:pk>/hand-over/", views.CaseHandOverView.as_view(), name="case_hand_over"),
    path("cases/<int:pk>/handled/", views.CaseHandleView.as_view(), name="case_handle"),
    path("stock/", views.StockListView.as_view(), name="stock_list"),
    path("stock/<int:pk>/threshold/", views.StockThresholdView.as_view(), name="stock_threshold"),
    path("stores/<int:pk>/threshold/", views.StoreThresholdView.as_view(), name="store_threshold"),
    path("stores/<int:pk>/work/", views.WorkSettingsView.as_view(), name="work_settings"),
]
