from rest_framework.routers import SimpleRouter

from .views import StoreGroupViewSet, StoreViewSet

router = SimpleRouter()
router.register("stores", StoreViewSet, basename="store")
router.register("store-groups", StoreGroupViewSet, basename="storegroup")

urlpatterns = router.urls
