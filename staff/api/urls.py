from rest_framework.routers import SimpleRouter

from .views import DepartmentViewSet, PositionViewSet, StaffViewSet

router = SimpleRouter()
router.register("staff", StaffViewSet, basename="staff")
router.register("departments", DepartmentViewSet, basename="department")
router.register("positions", PositionViewSet, basename="position")

urlpatterns = router.urls
