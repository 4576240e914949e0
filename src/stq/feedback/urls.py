from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.create, name="create"),
    path("export.xlsx", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/action/", views.action, name="action"),
    path("<int:pk>/comment/", views.comment, name="comment"),
]
