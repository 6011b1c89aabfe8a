from rest_framework.routers import SimpleRouter

from .views import RobotViewSet

router = SimpleRouter()
router.register("robots", RobotViewSet, basename="robot")

urlpatterns = router.urls
