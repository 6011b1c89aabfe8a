from django.urls import path

from . import views_health, views_home

app_name = "core"

urlpatterns = [
    path("", views_home.HomeView.as_view(), name="home"),
    path("healthz", views_health.healthz, name="healthz"),
    path("readyz", views_health.readyz, name="readyz"),
]
