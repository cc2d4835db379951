"""Routes of the billing resources."""

from rest_framework.routers import SimpleRouter

from billing.api import views

router = SimpleRouter()
router.register("internal-rates", views.InternalRateViewSet, basename="internal-rate")
router.register("contractor-rates", views.ContractorRateViewSet, basename="contractor-rate")
router.register("fee-schedules", views.FeeScheduleViewSet, basename="fee-schedule")
router.register("one-time-charges", views.OneTimeChargeViewSet, basename="one-time-charge")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchange-rate")
router.register("periods", views.PeriodViewSet, basename="period")

urlpatterns = router.urls
