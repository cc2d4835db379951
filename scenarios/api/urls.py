"""Routes of scenarios."""

from rest_framework.routers import SimpleRouter

from scenarios.api import views

router = SimpleRouter()
router.register("scenarios", views.ScenarioViewSet, basename="scenario")

urlpatterns = router.urls
