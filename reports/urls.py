"""URLs of the leadership report pages."""

from django.urls import path, re_path

from reports import views

app_name = "reports"
MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.ReportsLoginView.as_view(), name="login"),
    path("latest/", views.latest, name="latest"),
    path("go/", views.pick, name="pick"),
    path("engagements/<int:pk>/", views.engagement, name="engagement"),
    re_path(rf"^{MONTH}/vendors/$", views.vendors, name="vendors"),
    re_path(rf"^{MONTH}/$", views.month_report, name="month"),
    re_path(rf"^{MONTH}\.csv$", views.month_csv, name="month_csv"),
    re_path(rf"^{MONTH}\.xlsx$", views.month_xlsx, name="month_xlsx"),
    re_path(rf"^{MONTH}\.pdf$", views.month_pdf, name="month_pdf"),
    re_path(rf"^{MONTH}/recompute/$", views.recompute, name="recompute"),
]
