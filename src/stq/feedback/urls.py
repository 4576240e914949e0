from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.create, name="create"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export"),
    path("export.pdf", views.export, {"fmt": "pdf"}, name="export_pdf"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/action/", views.action, name="action"),
    path("<int:pk>/comment/", views.comment, name="comment"),
]
