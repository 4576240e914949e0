"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("legacy/imports/", api.ImportView.as_view(), name="legacy_imports"),
]
