from django.urls import path

from . import views

app_name = "declarations"
urlpatterns = [
    path("", views.declaration_list, name="list"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("dormant/", views.dormant, name="dormant"),
    path("profile/<str:tax_code>/", views.profile, name="profile"),
    path("<str:number>/", views.declaration_detail, name="detail"),
]
