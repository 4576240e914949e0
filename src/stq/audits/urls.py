from django.urls import path

from . import views

app_name = "audits"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("export.xlsx", views.case_export, name="case_export"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("late/", views.late_recordings, name="late"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/export.xlsx", views.proposal_export, name="proposal_export"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/action/", views.proposal_action, name="proposal_action"),
    path("proposals/<int:pk>/open/", views.case_open, name="case_open"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/action/", views.case_action, name="case_action"),
    path("<int:pk>/decision/", views.decision_create, name="decision_create"),
    path("<int:pk>/conclusion/", views.conclusion_create, name="conclusion_create"),
    path("<int:pk>/conclusions/<int:cid>/approve/", views.conclusion_approve, name="conclusion_approve"),
    path("<int:pk>/handling/<str:what>/", views.handling_create, name="handling_create"),
    path("<int:pk>/complaints/<int:cid>/decide/", views.complaint_decide, name="complaint_decide"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<int:did>/", views.document_download, name="document_download"),
]
