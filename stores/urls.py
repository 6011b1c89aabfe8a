from django.urls import path

app_name = "stores"

urlpatterns = []
