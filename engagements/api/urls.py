"""Routes of the engagements resources."""

from rest_framework.routers import SimpleRouter

from engagements.api import views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("service-areas", views.ServiceAreaViewSet, basename="service-area")
router.register("people", views.PersonViewSet, basename="person")
# engagements/ is registered by sla.api.urls: its SLA policy field needs sla.
router.register("contractors", views.ContractorViewSet, basename="contractor")
router.register("time-entries", views.TimeEntryViewSet, basename="time-entry")
router.register("overhead-entries", views.OverheadEntryViewSet, basename="overhead-entry")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("audit", views.AuditLogViewSet, basename="audit")

urlpatterns = router.urls
