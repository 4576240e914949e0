from django.urls import path

from .views import board, cases, conclusions, decisions, proposals

app_name = "audits"
urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("export.xlsx", cases.case_export, {"fmt": "xlsx"}, name="case_export"),
    path("export.pdf", cases.case_export, {"fmt": "pdf"}, name="case_export_pdf"),
    path("deadlines/", board.deadlines, name="deadlines"),
    path("late/", board.late_recordings, name="late"),
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/export.xlsx", proposals.proposal_export, {"fmt": "xlsx"}, name="proposal_export"),
    path("proposals/export.pdf", proposals.proposal_export, {"fmt": "pdf"}, name="proposal_export_pdf"),
    path("proposals/new/", proposals.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", proposals.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/action/", proposals.proposal_action, name="proposal_action"),
    path("proposals/<int:pk>/open/", decisions.case_open, name="case_open"),
    path("<int:pk>/", cases.case_detail, name="case_detail"),
    path("<int:pk>/action/", cases.case_action, name="case_action"),
    path("<int:pk>/decision/", decisions.decision_create, name="decision_create"),
    path("<int:pk>/conclusion/", conclusions.conclusion_create, name="conclusion_create"),
    path("<int:pk>/conclusions/<int:cid>/approve/", conclusions.conclusion_approve, name="conclusion_approve"),
    path("<int:pk>/handling/<str:what>/", conclusions.handling_create, name="handling_create"),
    path("<int:pk>/complaints/<int:cid>/decide/", conclusions.complaint_decide, name="complaint_decide"),
    path("<int:pk>/documents/", conclusions.document_upload, name="document_upload"),
    path("documents/<int:did>/", conclusions.document_download, name="document_download"),
]
