"""API routes of this app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("risk/enterprises/<str:tax_code>/", api.EnterpriseRiskView.as_view(), name="risk_enterprise"),
    path("risk/declarations/<str:number>/", api.DeclarationRiskView.as_view(), name="risk_declaration"),
    path("risk/target-lists/", api.TargetListsView.as_view(), name="risk_target_lists"),
    path("risk/target-lists/<int:pk>/", api.TargetListView.as_view(), name="risk_target_list"),
    path("risk/alerts/", api.AlertsView.as_view(), name="risk_alerts"),
    path("risk/backtests/", api.BacktestsView.as_view(), name="risk_backtests"),
    path("risk/backtests/<int:pk>/", api.BacktestView.as_view(), name="risk_backtest"),
    path("risk/criteria/", api.CriteriaView.as_view(), name="risk_criteria"),
    path("risk/results/", api.ResultsExportView.as_view(), name="risk_results"),
]
