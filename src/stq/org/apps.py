from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "stq.org"
    label = "org"
    verbose_name = _("Organisation and users")

    def ready(self):
        from . import calendar_admin  # noqa: F401  (registers the calendar's policy action)
