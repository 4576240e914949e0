from django.urls import path

from . import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("focus-list/", views.focus_list, name="focus_list"),
    path("import/", views.enterprise_import, name="import"),
    path("<str:tax_code>/", views.enterprise_detail, name="detail"),
]
