from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("form-<str:form>/", views.form_view, name="form"),
    path("form-<str:form>/records/", views.drill, name="drill"),
    path("form-<str:form>/reconcile/", views.reconcile, name="reconcile"),
    path("form-<str:form>/reconciliation/", views.status, name="status"),
]
