"""Routes of the SLA resources."""

from rest_framework.routers import SimpleRouter

from sla.api import views

router = SimpleRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("sla-policies", views.SLAPolicyViewSet, basename="sla-policy")
router.register("services", views.MonitoredServiceViewSet, basename="service")
router.register("outages", views.OutageViewSet, basename="outage")
router.register("tickets", views.TicketViewSet, basename="ticket")
# The engagements resource, extended here with its SLA policy (engagements may not import sla).
router.register("engagements", views.EngagementViewSet, basename="engagement")

urlpatterns = router.urls
