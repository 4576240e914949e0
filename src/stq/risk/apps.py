from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "stq.risk"
    label = "risk"
    verbose_name = _("Risk management")

    def ready(self):
        from . import (  # noqa: F401  (policy actions, enterprise-page section, import hook, the alert workflow)
            policy,
            sections,
            signals,
            workflow,
        )
