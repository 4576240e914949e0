"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("info-collections/", api.InfoCollectionListView.as_view(), name="info_collections"),
    path("info-collections/<int:pk>/", api.InfoCollectionDetailView.as_view(), name="info_collection"),
    path("info-collections/<int:pk>/actions/", api.InfoCollectionActionView.as_view(), name="info_collection_actions"),
    path("info-collections/<int:pk>/results/", api.InfoCollectionResultsView.as_view(), name="info_collection_results"),
    path("duplicates/", api.DuplicatesView.as_view(), name="duplicates"),
]
