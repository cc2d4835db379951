"""Routes of the imports endpoint."""

from django.urls import path

from imports.api import views

urlpatterns = [
    path("imports/", views.ImportView.as_view(), name="import"),
]
