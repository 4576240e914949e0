from django.urls import path

from . import views

app_name = "collection"
urlpatterns = [
    path("", views.collection_list, name="list"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export"),
    path("export.pdf", views.export, {"fmt": "pdf"}, name="export_pdf"),
    path("new/", views.create, name="create"),
    path("overdue/", views.overdue, name="overdue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/action/", views.action, name="action"),
    path("<int:pk>/results/", views.results, name="results"),
]
