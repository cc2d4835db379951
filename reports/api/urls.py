"""Routes of snapshots, reports and the recompute command."""

from rest_framework.routers import SimpleRouter

from reports.api import views

router = SimpleRouter()
router.register("snapshots", views.SnapshotViewSet, basename="snapshot")
router.register("reports", views.ReportViewSet, basename="report")
router.register("recompute", views.RecomputeViewSet, basename="recompute")
router.register("vendor-scorecards", views.VendorScorecardViewSet, basename="vendor-scorecard")

urlpatterns = router.urls
