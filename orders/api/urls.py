from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, OrderViewSet, StockViewSet

router = SimpleRouter()
router.register("orders", OrderViewSet, basename="order")
router.register("cases", CaseViewSet, basename="case")
router.register("stock", StockViewSet, basename="stock")

urlpatterns = router.urls
