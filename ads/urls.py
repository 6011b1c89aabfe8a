from django.urls import path

from . import views

app_name = "ads"

urlpatterns = [
    path("", views.AdsOverviewView.as_view(), name="overview"),
    path("stores/<int:pk>/", views.StoreAdsView.as_view(), name="store"),
    path("stores/<int:pk>/export/", views.StoreAdsExportView.as_view(), name="store_export"),
]
