from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("", views.index, name="index"),
    path("criteria/", views.criteria, name="criteria"),
    path("criteria/new/", views.criterion_form, name="criterion_create"),
    path("criteria/run/", views.criteria_run, name="criteria_run"),
    path("criteria/<int:pk>/", views.criterion_detail, name="criterion"),
    path("criteria/<int:pk>/edit/", views.criterion_form, name="criterion_edit"),
    path("criteria/<int:pk>/preview/", views.criterion_preview, name="criterion_preview"),
    path("models/", views.models, name="models"),
    path("models/<int:pk>/activate/", views.model_activate, name="model_activate"),
    path("models/train/", views.model_train, name="model_train"),
    path("models/trainings/<int:pk>/", views.training_detail, name="training"),
    path("backtests/", views.backtests, name="backtests"),
    path("backtests/<int:pk>/", views.backtest_detail, name="backtest"),
    path("target-lists/", views.target_lists, name="target_lists"),
    path("target-lists/<int:pk>/", views.target_list_detail, name="target_list"),
    path("picks/<int:pk>/collect/", views.pick_collect, name="pick_collect"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/<str:action>/", views.alert_action, name="alert_action"),
    path("enterprises/<str:tax_code>/recompute/", views.enterprise_recompute, name="enterprise_recompute"),
]
