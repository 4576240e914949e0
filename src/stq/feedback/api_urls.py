"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("change-requests/", api.ChangeRequestListView.as_view(), name="change_requests"),
    path("change-requests/<int:pk>/", api.ChangeRequestDetailView.as_view(), name="change_request"),
    path("change-requests/<int:pk>/comments/", api.ChangeRequestCommentView.as_view(), name="change_request_comments"),
    path("change-requests/<int:pk>/status/", api.ChangeRequestStatusView.as_view(), name="change_request_status"),
]
