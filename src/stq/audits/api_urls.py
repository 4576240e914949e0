"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("audit-proposals/", api.ProposalListView.as_view(), name="audit_proposals"),
    path("audit-proposals/<int:pk>/", api.ProposalDetailView.as_view(), name="audit_proposal"),
    path("audit-proposals/<int:pk>/actions/", api.ProposalActionView.as_view(), name="audit_proposal_actions"),
    path("audit-cases/", api.CaseListView.as_view(), name="audit_cases"),
    path("audit-cases/<int:pk>/", api.CaseDetailView.as_view(), name="audit_case"),
    path("audit-cases/<int:pk>/actions/", api.CaseActionView.as_view(), name="audit_case_actions"),
    path("audit-cases/<int:pk>/decisions/", api.CaseDecisionView.as_view(), name="audit_case_decisions"),
    path("audit-cases/<int:pk>/conclusion/", api.CaseConclusionView.as_view(), name="audit_case_conclusion"),
    path("audit-cases/<int:pk>/penalties/", api.CasePenaltyView.as_view(), name="audit_case_penalties"),
    path("audit-cases/<int:pk>/payments/", api.CasePaymentView.as_view(), name="audit_case_payments"),
    path("audit-cases/<int:pk>/complaints/", api.CaseComplaintView.as_view(), name="audit_case_complaints"),
]
