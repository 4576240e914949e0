"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("enterprises/", api.EnterpriseListView.as_view(), name="enterprise_list"),
    path("enterprises/import/", api.ImportView.as_view(), name="enterprise_import"),
    path("enterprises/<str:tax_code>/", api.EnterpriseDetailView.as_view(), name="enterprise_detail"),
    path("enterprises/<str:tax_code>/profile-submissions/", api.SubmissionListView.as_view(),
         name="enterprise_submissions"),
    path("focus-list/", api.FocusListView.as_view(), name="focus_list"),
]
