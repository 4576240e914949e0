from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from stq.core import api as core_api
from stq.core import errorpages, health
from stq.core import views as core_views
from stq.org import api as org_api
from stq.org import calendar_views, oidc
from stq.workflow import views as workflow_views

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("auth/token/", core_api.TokenSignInView.as_view(), name="token"),
    path("me/", org_api.MeView.as_view(), name="me"),
    path("units/", org_api.UnitListView.as_view(), name="units"),
    path("units/<str:code>/grants/", org_api.GrantListView.as_view(), name="unit_grants"),
    path("units/<str:code>/grants/<int:grant_id>/", org_api.GrantDetailView.as_view(), name="unit_grant"),
    path("", include("stq.enterprises.api_urls")),
    path("", include("stq.collection.api_urls")),
    path("", include("stq.declarations.api_urls")),
    path("", include("stq.risk.api_urls")),
    path("", include("stq.audits.api_urls")),
    path("", include("stq.reports.api_urls")),
    path("", include("stq.feedback.api_urls")),
    path("", include("stq.legacy.api_urls")),
    re_path(r"^", core_api.NotFoundView.as_view()),  # keep last: unknown API paths answer JSON, not an HTML page
]

urlpatterns = [
    path("", workflow_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", oidc.logout, name="logout"),
    path("oidc/", include(oidc)),
    path("healthz/", health.healthz, name="healthz"),
    path("favicon.ico", errorpages.favicon, name="favicon"),
    path("readyz/", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", core_views.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", core_views.notification_open, name="notification_open"),
    path("notifications/read-all/", core_views.notifications_read_all, name="notifications_read_all"),
    path("administration/calendar/", calendar_views.calendar_days, name="calendar_days"),
    path("administration/calendar/<int:pk>/delete/", calendar_views.calendar_day_delete, name="calendar_day_delete"),
    path("administration/", include("stq.org.urls")),
    path("enterprises/", include("stq.enterprises.urls")),
    path("collection/", include("stq.collection.urls")),
    path("declarations/", include("stq.declarations.urls")),
    path("risk/", include("stq.risk.urls")),
    path("exchange/", include("stq.exchange.urls")),
    path("audits/", include("stq.audits.urls")),
    path("reports/", include("stq.reports.urls")),
    path("feedback/", include("stq.feedback.urls")),
    path("legacy/", include("stq.legacy.urls")),
    path("help/", include("stq.help.urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("django-admin/", admin.site.urls),
]

handler400 = "stq.core.errorpages.bad_request"
handler403 = "stq.core.errorpages.permission_denied"
handler404 = "stq.core.errorpages.page_not_found"
handler500 = "stq.core.errorpages.server_error"
