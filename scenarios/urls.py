"""URLs of the scenario pages (mounted under /reports/scenarios/)."""

from django.urls import path

from scenarios import views

app_name = "scenarios"

urlpatterns = [
    path("", views.scenario_list, name="list"),
    path("new/", views.scenario_new, name="new"),
    path("<int:pk>/", views.scenario_detail, name="detail"),
    path("<int:pk>/edit/", views.scenario_edit, name="edit"),
    path("<int:pk>/delete/", views.scenario_remove, name="delete"),
    path("<int:pk>.csv", views.scenario_csv_view, name="csv"),
    path("<int:pk>.pdf", views.scenario_pdf_view, name="pdf"),
]
