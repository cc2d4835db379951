"""Routes of the SLA resources."""

from rest_framework.routers import SimpleRouter

from sla.api import views

router = SimpleRouter()
router.register("calendars", views.CalendarViewSet, basename="calendar")
router.register("sla-policies", views.SLAPolicyViewSet, basename="sla-policy")
router.register("services", views.MonitoredServiceViewSet, basename="service")
router.register("outages", views.OutageViewSet, basename="outage")
router.register("tickets", views.TicketViewSet, basename="ticket")

urlpatterns = router.urls
