from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("", views.admin_home, name="admin_home"),
    path("units/<str:code>/grants/", views.unit_grants, name="unit_grants"),
    path("units/<str:code>/grants/<int:pk>/revoke/", views.grant_revoke, name="grant_revoke"),
]
