"""Group robot pages (namespace notifications)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("robots/", views.RobotListView.as_view(), name="robot_list"),
    path("robots/new/", views.RobotCreateView.as_view(), name="robot_create"),
    path("robots/<int:pk>/", views.RobotDetailView.as_view(), name="robot_detail"),
    path("robots/<int:pk>/edit/", views.RobotEditView.as_view(), name="robot_edit"),
    path("robots/<int:pk>/delete/", views.RobotDeleteView.as_view(), name="robot_delete"),
    path("robots/<int:pk>/test/", views.RobotTestView.as_view(), name="robot_test"),
]

# Delivery pages (notifications.views_delivery): the delivery log, failed deliveries with retry, messages sent.
from core.lookups_views import ChooserLookupView  # noqa: E402

from . import views_delivery  # noqa: E402
from .choosers import ROBOTS  # noqa: E402

urlpatterns += [
    path("deliveries/", views_delivery.DeliveryListView.as_view(), name="delivery_list"),
    path("deliveries/failed/", views_delivery.DeadLetterListView.as_view(), name="delivery_dead"),
    path("deliveries/retry/", views_delivery.DeliveryRetryView.as_view(), name="delivery_retry"),
    path("messages/", views_delivery.SentMessageListView.as_view(), name="message_list"),
    path("robots/lookup/", ChooserLookupView.as_view(chooser=ROBOTS), name="robot_lookup"),
]

# Routes and message templates (notifications.views_routes).
from . import views_routes  # noqa: E402

urlpatterns += [
    path("routes/", views_routes.RouteListView.as_view(), name="route_list"),
    path("routes/new/", views_routes.RouteCreateView.as_view(), name="route_create"),
    path("routes/<int:pk>/", views_routes.RouteDetailView.as_view(), name="route_detail"),
    path("routes/<int:pk>/edit/", views_routes.RouteEditView.as_view(), name="route_edit"),
    path("routes/<int:pk>/delete/", views_routes.RouteDeleteView.as_view(), name="route_delete"),
    path("templates/", views_routes.TemplateListView.as_view(), name="template_list"),
    path("templates/<str:kind>/edit/", views_routes.TemplateEditView.as_view(), name="template_edit"),
    path("templates/<str:kind>/preview/", views_routes.TemplatePreviewView.as_view(), name="template_preview"),
    path("templates/<str:kind>/reset/", views_routes.TemplateResetView.as_view(), name="template_reset"),
]
