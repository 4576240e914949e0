"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("reports/form-<str:form>/", api.FormReportView.as_view(), name="reports_form"),
]
