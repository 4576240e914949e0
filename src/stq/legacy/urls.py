from django.urls import path

from . import views

app_name = "legacy"
urlpatterns = [
    path("", views.index, name="index"),
    path("batches/<int:pk>/", views.batch, name="batch"),
]
