from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "stq.reports"
    label = "reports"
    verbose_name = _("Reports and statistics")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the policy actions)
