"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("declarations/", api.DeclarationListView.as_view(), name="declarations-list"),
    path("declarations/imports/", api.ImportJobCreateView.as_view(), name="declarations-import-create"),
    path("declarations/imports/<int:pk>/", api.ImportJobDetailView.as_view(), name="declarations-import-detail"),
    path("declarations/imports/<int:pk>/errors.csv", api.ImportJobErrorsView.as_view(),
         name="declarations-import-errors"),
    path("declarations/<str:number>/", api.DeclarationDetailView.as_view(), name="declarations-detail"),
]
