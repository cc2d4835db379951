"""Routes of the imports endpoint and of its background jobs."""

from django.urls import path

from imports.api import views

urlpatterns = [
    path("imports/", views.ImportView.as_view(), name="import"),
    path("imports/jobs/<int:pk>/", views.ImportJobView.as_view(), name="import-job"),
    path("imports/jobs/<int:pk>/cancel/", views.ImportJobCancelView.as_view(), name="import-job-cancel"),
]
