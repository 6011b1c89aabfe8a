from rest_framework.routers import SimpleRouter

from .views import RobotViewSet

router = SimpleRouter()
router.register("robots", RobotViewSet, basename="robot")

urlpatterns = router.urls

# Deliveries (with retry) and the messages sent (notifications.api.delivery_views).
from .delivery_views import DeliveryViewSet, SentMessageViewSet  # noqa: E402

delivery_router = SimpleRouter()
delivery_router.register("deliveries", DeliveryViewSet, basename="delivery")
delivery_router.register("messages", SentMessageViewSet, basename="message")
urlpatterns += delivery_router.urls

# Routes and message templates (notifications.api.route_views).
from .route_views import RouteViewSet, TemplateViewSet  # noqa: E402

route_router = SimpleRouter()
route_router.register("routes", RouteViewSet, basename="route")
route_router.register("message-templates", TemplateViewSet, basename="messagetemplate")
urlpatterns += route_router.urls
