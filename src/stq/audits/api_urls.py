"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from .api import cases, conclusions, decisions, proposals

urlpatterns = [
    path("audit-proposals/", proposals.ProposalListView.as_view(), name="audit_proposals"),
    path("audit-proposals/<int:pk>/", proposals.ProposalDetailView.as_view(), name="audit_proposal"),
    path("audit-proposals/<int:pk>/actions/", proposals.ProposalActionView.as_view(), name="audit_proposal_actions"),
    path("audit-cases/", cases.CaseListView.as_view(), name="audit_cases"),
    path("audit-cases/<int:pk>/", cases.CaseDetailView.as_view(), name="audit_case"),
    path("audit-cases/<int:pk>/actions/", cases.CaseActionView.as_view(), name="audit_case_actions"),
    path("audit-cases/<int:pk>/decisions/", decisions.CaseDecisionView.as_view(), name="audit_case_decisions"),
    path("audit-cases/<int:pk>/conclusion/", conclusions.CaseConclusionView.as_view(), name="audit_case_conclusion"),
    path("audit-cases/<int:pk>/penalties/", conclusions.CasePenaltyView.as_view(), name="audit_case_penalties"),
    path("audit-cases/<int:pk>/payments/", conclusions.CasePaymentView.as_view(), name="audit_case_payments"),
    path("audit-cases/<int:pk>/complaints/", conclusions.CaseComplaintView.as_view(), name="audit_case_complaints"),
]
